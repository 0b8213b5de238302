package io.strata.ingest.kafka;

import io.quarkus.test.junit.QuarkusTest;
import io.strata.ingest.node.StrataNode;
import jakarta.inject.Inject;
import org.apache.kafka.common.message.ApiMessageType;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps {@code docs/compatibility.md} true: its API and feature tables are built here from the ApiVersions answer of
 * a running node and must equal the committed file. After a change to what the node serves, regenerate them with
 * {@code ./mvnw -pl ingest -am test -Dtest=CompatibilityDocTest -Dsurefire.failIfNoSpecifiedTests=false
 * -Ddocs.update=true} and commit the file. Only the text between the generated-section markers is replaced.
 */
@QuarkusTest
class CompatibilityDocTest {

    static final Path DOC = Paths.get("..", "docs", "compatibility.md");
    static final String API_SECTION = "api-versions";
    static final String FEATURE_SECTION = "features";

    /** Why an API is not served, by the first matching name fragment (checked in order). */
    private static final Map<String, String> WHY_NOT = new LinkedHashMap<>();

    static {
        WHY_NOT.put("SHARE", "share groups (KIP-932) are not implemented");
        WHY_NOT.put("STREAMS_GROUP", "streams groups (KIP-1071) are not implemented");
        WHY_NOT.put("TXN", "transactions are not implemented");
        WHY_NOT.put("TRANSACTIONS", "transactions are not implemented");
        WHY_NOT.put("DESCRIBE_PRODUCERS", "used by kafka-transactions; transactions are not implemented");
        WHY_NOT.put("DELEGATION_TOKEN", "no delegation tokens (SASL is PLAIN and SCRAM with stored credentials)");
        WHY_NOT.put("TELEMETRY", "no client telemetry (KIP-714); clients work without it");
        WHY_NOT.put("LIST_CONFIG_RESOURCES", "no client-metrics or group config resources to list");
        WHY_NOT.put("RAFT_VOTER", "no KRaft: cluster metadata lives in the embedded Hazelcast cluster");
        WHY_NOT.put("QUORUM", "no KRaft: cluster metadata lives in the embedded Hazelcast cluster");
        WHY_NOT.put("UNREGISTER", "no KRaft registrations: a node leaves the cluster when it stops");
        WHY_NOT.put("ALTER_CONFIGS", "the legacy whole-set form; IncrementalAlterConfigs, which the tools use, is served");
        WHY_NOT.put("ALTER_REPLICA_LOG_DIRS", "one log directory per node");
        WHY_NOT.put("UPDATE_FEATURES", "feature levels are fixed by the build (see the feature table)");
    }

    @Inject
    StrataNode node;

    @Test
    void theCommittedTablesMatchWhatTheNodeAdvertises() throws Exception {
        ApiVersionsResponseData data;
        try (RawKafkaClient client = new RawKafkaClient("127.0.0.1", node.brokerNode().port())) {
            ApiVersionsResponse response = (ApiVersionsResponse) client.send(
                    new ApiVersionsRequest.Builder().build(ApiKeys.API_VERSIONS.latestVersion()));
            data = response.data();
        }
        assertThat(data.errorCode()).isEqualTo(Errors.NONE.code());
        String committed = Files.readString(DOC, StandardCharsets.UTF_8);
        String expected = replaceSection(replaceSection(committed, API_SECTION, apiTable(data)), FEATURE_SECTION,
                featureTable(data));
        if (Boolean.getBoolean("docs.update")) {
            Files.writeString(DOC, expected, StandardCharsets.UTF_8);
            return;
        }
        assertThat(committed)
                .as("docs/compatibility.md is stale: regenerate it with -Ddocs.update=true (see this test's doc)")
                .isEqualTo(expected);
    }

    static String apiTable(ApiVersionsResponseData data) {
        StringBuilder out = new StringBuilder();
        out.append("| key | API | Strata serves | Kafka 4.4 broker | note |\n");
        out.append("|---:|---|---|---|---|\n");
        ApiKeys[] keys = ApiKeys.values().clone();
        java.util.Arrays.sort(keys, Comparator.comparingInt(k -> k.id));
        for (ApiKeys api : keys) {
            ApiVersionsResponseData.ApiVersion served = data.apiKeys().find(api.id);
            String kafka;
            String note;
            if (!api.hasValidVersion()) {
                kafka = "removed";
                note = "ZooKeeper-era controller request, removed from the protocol in Kafka 4.0";
            } else if (!api.inScope(ApiMessageType.ListenerType.BROKER)) {
                kafka = "controller only";
                note = "KRaft controller traffic; clients never send it";
            } else {
                kafka = api.toApiVersionForApiResponse(false, ApiMessageType.ListenerType.BROKER)
                        .map(v -> range(v.minVersion(), v.maxVersion())).orElse("no");
                if (api == ApiKeys.GET_TELEMETRY_SUBSCRIPTIONS || api == ApiKeys.PUSH_TELEMETRY) {
                    kafka += " (with a client-metrics reporter only)";
                }
                note = served != null ? "" : whyNot(api);
            }
            out.append("| ").append(api.id).append(" | ").append(api.name).append(" | ")
                    .append(served == null ? "no" : range(served.minVersion(), served.maxVersion())).append(" | ")
                    .append(kafka).append(" | ").append(note).append(" |\n");
        }
        return out.toString();
    }

    static String featureTable(ApiVersionsResponseData data) {
        StringBuilder out = new StringBuilder();
        out.append("| feature | supported levels | finalized level |\n");
        out.append("|---|---|---|\n");
        data.supportedFeatures().stream().sorted(Comparator.comparing(ApiVersionsResponseData.SupportedFeatureKey::name))
                .forEach(f -> {
                    ApiVersionsResponseData.FinalizedFeatureKey finalized = data.finalizedFeatures().find(f.name());
                    out.append("| ").append(f.name()).append(" | ").append(range(f.minVersion(), f.maxVersion()))
                            .append(" | ").append(finalized == null ? 0 : finalized.maxVersionLevel()).append(" |\n");
                });
        out.append("\nFinalized-features epoch: ").append(data.finalizedFeaturesEpoch()).append('\n');
        return out.toString();
    }

    private static String whyNot(ApiKeys api) {
        for (Map.Entry<String, String> e : WHY_NOT.entrySet()) {
            if (api.name().contains(e.getKey())) {
                return e.getValue();
            }
        }
        return "not implemented";
    }

    private static String range(short min, short max) {
        return min == max ? Short.toString(min) : min + "–" + max;
    }

    /** Replaces the text between {@code <!-- generated:NAME -->} and {@code <!-- end generated:NAME -->}. */
    static String replaceSection(String doc, String name, String content) {
        String begin = "<!-- generated:" + name + " -->\n";
        String end = "<!-- end generated:" + name + " -->";
        int from = doc.indexOf(begin);
        int to = doc.indexOf(end);
        assertThat(from).as("marker %s in %s", begin.trim(), DOC).isNotNegative();
        assertThat(to).as("marker %s in %s", end, DOC).isGreaterThan(from);
        return doc.substring(0, from + begin.length()) + content + doc.substring(to);
    }
}
