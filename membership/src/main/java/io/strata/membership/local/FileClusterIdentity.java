package io.strata.membership.local;

import io.strata.membership.cluster.ClusterIdentity;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * Ties a node's data directory to its cluster and node id through {@code meta.properties}, as Kafka
 * does (keys {@code cluster.id} and {@code node.id}). The first start writes the file; later starts
 * refuse a directory that belongs to another cluster or node, because its logs are not theirs.
 */
public final class FileClusterIdentity {

    private FileClusterIdentity() {
    }

    /**
     * Checks (or records, on first use) that {@code dataDir} belongs to {@code identity}.
     *
     * @throws IllegalStateException when the directory belongs to another cluster or node
     */
    public static void bind(Path dataDir, ClusterIdentity identity) {
        Path file = dataDir.resolve("meta.properties");
        if (Files.exists(file)) {
            Properties props = DurableFiles.readProperties(file);
            String storedCluster = props.getProperty("cluster.id");
            int storedNode = Integer.parseInt(props.getProperty("node.id"));
            if (storedNode != identity.nodeId()) {
                throw new IllegalStateException("Data directory " + dataDir + " belongs to node " + storedNode
                        + " but this node is configured as " + identity.nodeId());
            }
            if (!storedCluster.equals(identity.clusterId())) {
                throw new IllegalStateException("Data directory " + dataDir + " belongs to cluster " + storedCluster
                        + " but this node joined cluster " + identity.clusterId());
            }
            return;
        }
        Properties props = new Properties();
        props.setProperty("version", "1");
        props.setProperty("cluster.id", identity.clusterId());
        props.setProperty("node.id", Integer.toString(identity.nodeId()));
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        DurableFiles.writeProperties(file, props);
    }
}
