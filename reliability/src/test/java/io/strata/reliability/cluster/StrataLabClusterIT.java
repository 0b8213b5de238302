package io.strata.reliability.cluster;

import io.strata.reliability.net.NetworkLab;
import io.strata.testsupport.ChildProcess;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
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
 * Three Strata nodes, each in its own namespace with its own tmpfs, sharing an S3Proxy on the host side: a
 * replicated topic takes and serves records from this JVM through the bridge; a node killed with SIGKILL comes back
 * on its data; SIGSTOP and SIGCONT reach the node's JVM; a disk fills and frees; closing leaves no namespace or
 * mount behind.
 */
@Timeout(value = 8, unit = TimeUnit.MINUTES)
class StrataLabClusterIT {

    @BeforeAll
    static void needsNamespaces() {
        assumeTrue(NetworkLab.available(), () -> "no network namespaces here: "
                + NetworkLab.unavailableReason().orElse(""));
    }

    @Test
    void threeNodesServeThroughTheLabAndSurviveKillPauseAndAFullDisk() throws Exception {
        StrataLabCluster cluster = StrataLabCluster.builder().name("slabit").build();
        try {
            assertThat(cluster.system()).isEqualTo("strata");
            assertThat(cluster.bootstrap()).isEqualTo("10.213.77.11:9092,10.213.77.12:9092,10.213.77.13:9092");
            assertThat(cluster.topicConfigs()).containsEntry("min.insync.replicas", "2")
                    .containsEntry("unclean.leader.election.enable", "false");
            cluster.start();
            for (int id : cluster.nodeIds()) {
                assertThat(cluster.isRunning(id)).isTrue();
                assertJvmInNamespace(cluster.pid(id), cluster.network().namespace(id));
            }
            assertThat(cluster.objectStore().endpoint()).startsWith("http://10.213.77.1:");

            String topic = "lab-smoke";
            LabClients.createTopic(cluster, topic);
            List<String> expected = new ArrayList<>(values("a", 0, 20));
            produce(cluster.bootstrap(), topic, expected);
            assertThat(consume(cluster.bootstrap(), topic, expected.size(), Duration.ofSeconds(60)))
                    .containsExactlyElementsOf(expected);

            cluster.kill(1);
            assertThat(cluster.isRunning(1)).isFalse();
            List<String> more = values("b", 0, 10);
            produce(cluster.bootstrap(), topic, more);
            expected.addAll(more);
            cluster.startNode(1);
            assertThat(cluster.isRunning(1)).isTrue();
            assertJvmInNamespace(cluster.pid(1), cluster.network().namespace(1));

            cluster.pause(2);
            assertThat(ChildProcess.processState(cluster.pid(2))).as("state of a paused node").isEqualTo('T');
            assertThat(cluster.isPaused(2)).isTrue();
            cluster.resume(2);
            assertThat(ChildProcess.processState(cluster.pid(2))).as("state of a resumed node").isNotEqualTo('T');

            long before = cluster.freeDiskBytes(3);
            assertThat(before).isGreaterThan(300L << 20);
            cluster.fillDisk(3);
            assertThat(cluster.freeDiskBytes(3)).as("free bytes on a full disk").isLessThan(64 * 1024);
            cluster.freeDisk(3);
            assertThat(cluster.freeDiskBytes(3)).as("free bytes after freeing").isGreaterThan(before - (16 << 20));

            List<String> last = values("c", 0, 10);
            produce(cluster.bootstrap(), topic, last);
            expected.addAll(last);
            assertThat(consume(cluster.bootstrap(), topic, expected.size(), Duration.ofSeconds(60)))
                    .containsExactlyElementsOf(expected);
            assertThat(Files.readString(cluster.logFile(1))).as("log of the restarted node").contains("==== start #2");
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
