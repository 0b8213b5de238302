package io.strata.examples.iot;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.strata.testsupport.StrataNode;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Strata node (the packaged jar, as a separate process) for the app under test: the app's Kafka
 * connector points at its Kafka port, the simulated devices post to its HTTP port.
 */
public class StrataNodeResource implements QuarkusTestResourceLifecycleManager {

    /** Config key under which the test finds the node's HTTP base URL. */
    public static final String HTTP_BASE = "strata.test.http-base";
    static final int READING_PARTITIONS = 3;

    private StrataNode node;

    @Override
    public Map<String, String> start() {
        node = StrataNode.start("iot-strata");
        // Several partitions, so the app sees readings of different devices interleaved across partitions.
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrap()))) {
            admin.createTopics(List.of(new NewTopic("device-readings", READING_PARTITIONS, (short) 1)))
                    .all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            node.close();
            throw new IllegalStateException("cannot create the readings topic on " + node + "\n" + node.logTail(40), e);
        }
        return Map.of("kafka.bootstrap.servers", node.bootstrap(), HTTP_BASE, node.httpBase());
    }

    @Override
    public void stop() {
        if (node != null) {
            node.close();
        }
    }
}
