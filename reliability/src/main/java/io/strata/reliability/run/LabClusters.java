package io.strata.reliability.run;

import java.nio.file.Path;

import io.strata.reliability.cluster.ClusterUnderTest;
import io.strata.reliability.cluster.KafkaLabCluster;
import io.strata.reliability.cluster.Safety;
import io.strata.reliability.cluster.StrataLabCluster;

/** The three-node lab cluster of a system, with a safety preset. */
final class LabClusters {
    private LabClusters() {
    }

    /**
     * @param workDir  where the cluster keeps data, mounts and logs
     * @param repoRoot the repository, whose build holds the node jar and the Kafka jars
     */
    static ClusterUnderTest create(String system, Safety safety, Path workDir, Path repoRoot) {
        // Outside Maven (reliability/run) the build's locations are not passed in as properties: derive them.
        setIfAbsent("strata.repo.root", repoRoot.toString());
        setIfAbsent("strata.test.target.dir", repoRoot.resolve("reliability/target").toString());
        // three nodes and the object store start at once on two shared cores
        setIfAbsent("strata.node.ready.timeout.seconds", "120");
        return switch (system) {
            case "strata" -> StrataLabCluster.builder().name("strata").nodes(3).workDir(workDir.resolve("strata"))
                    .settings(StrataLabCluster.settings(safety)).build();
            case "kafka" -> KafkaLabCluster.builder().name("kafka").nodes(3).workDir(workDir.resolve("kafka"))
                    .settings(KafkaLabCluster.settings(safety)).build();
            default -> throw new IllegalArgumentException("unknown system " + system + " (strata or kafka)");
        };
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
