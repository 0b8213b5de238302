package io.strata.reliability.cluster;

import io.strata.reliability.net.NetworkLab;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.strata.reliability.cluster.LabClients.assertJvmInNamespace;
import static io.strata.reliability.cluster.LabClients.assertNothingLeft;
import static io.strata.reliability.cluster.LabClients.consume;
import static io.strata.reliability.cluster.LabClients.produce;
import static io.strata.reliability.cluster.LabClients.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The control system in the same lab: three Kafka brokers in KRaft combined mode, one per namespace, serve a
 * replicated topic to this JVM, one of them comes back on its log after SIGKILL, and closing leaves nothing behind.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class KafkaLabClusterIT {

    @BeforeAll
    static void needsNamespaces() {
        assumeTrue(NetworkLab.available(), () -> "no network namespaces here: "
                + NetworkLab.unavailableReason().orElse(""));
    }

    @Test
    void threeBrokersServeThroughTheLabAndOneComesBackAfterSigkill() throws Exception {
        KafkaLabCluster cluster = KafkaLabCluster.builder().name("klabit")
                .settings(KafkaLabCluster.settings(Safety.UNSAFE)).build();
        try {
            assertThat(cluster.system()).isEqualTo("kafka");
            assertThat(cluster.hasObjectStore()).isFalse();
            assertThat(cluster.topicConfigs()).containsEntry("min.insync.replicas", "1")
                    .containsEntry("unclean.leader.election.enable", "true");
            cluster.start();
            for (int id : cluster.nodeIds()) {
                assertJvmInNamespace(cluster.pid(id), cluster.network().namespace(id));
            }

            String topic = "lab-smoke";
            LabClients.createTopic(cluster, topic);
            List<String> expected = new ArrayList<>(values("a", 0, 20));
            produce(cluster.bootstrap(), topic, expected);

            cluster.kill(2);
            assertThat(cluster.isRunning(2)).isFalse();
            List<String> more = values("b", 0, 10);
            produce(cluster.bootstrap(), topic, more);
            expected.addAll(more);
            cluster.startNode(2);
            assertThat(cluster.isRunning(2)).isTrue();

            assertThat(consume(cluster.bootstrap(), topic, expected.size(), Duration.ofSeconds(60)))
                    .containsExactlyElementsOf(expected);
        } catch (Throwable t) {
            for (int id : cluster.nodeIds()) {
                System.err.println(cluster.logTail(id, 60));
            }
            throw t;
        } finally {
            cluster.close();
        }
        assertNothingLeft(cluster);
    }
}
