package io.strata.ingest.kafka.api;

import io.strata.storage.log.LogConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.requests.DescribeConfigsResponse;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A topic's effective configs as Kafka's admin APIs describe them: value, where it comes from
 * (the topic itself, this node's configuration, or the built-in default) and its type.
 */
final class TopicConfigs {

    record Entry(String name, String value, DescribeConfigsResponse.ConfigSource source,
                 DescribeConfigsResponse.ConfigType type, String documentation) {
    }

    private TopicConfigs() {
    }

    static List<Entry> describe(LogConfig config, Set<String> nodeDefaults) {
        ConfigDef def = LogConfig.configDef();
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<String, Object> e : config.values().entrySet()) {
            ConfigDef.ConfigKey key = def.configKeys().get(e.getKey());
            DescribeConfigsResponse.ConfigSource source;
            if (config.isOverridden(e.getKey())) {
                source = DescribeConfigsResponse.ConfigSource.TOPIC_CONFIG;
            } else if (nodeDefaults.contains(e.getKey())) {
                source = DescribeConfigsResponse.ConfigSource.STATIC_BROKER_CONFIG;
            } else {
                source = DescribeConfigsResponse.ConfigSource.DEFAULT_CONFIG;
            }
            entries.add(new Entry(e.getKey(), ConfigDef.convertToString(e.getValue(), key.type), source,
                    configType(key.type), key.documentation));
        }
        return entries;
    }

    static DescribeConfigsResponse.ConfigType configType(ConfigDef.Type type) {
        return switch (type) {
            case BOOLEAN -> DescribeConfigsResponse.ConfigType.BOOLEAN;
            case STRING -> DescribeConfigsResponse.ConfigType.STRING;
            case INT -> DescribeConfigsResponse.ConfigType.INT;
            case SHORT -> DescribeConfigsResponse.ConfigType.SHORT;
            case LONG -> DescribeConfigsResponse.ConfigType.LONG;
            case DOUBLE -> DescribeConfigsResponse.ConfigType.DOUBLE;
            case LIST -> DescribeConfigsResponse.ConfigType.LIST;
            case CLASS -> DescribeConfigsResponse.ConfigType.CLASS;
            case PASSWORD -> DescribeConfigsResponse.ConfigType.PASSWORD;
        };
    }
}
