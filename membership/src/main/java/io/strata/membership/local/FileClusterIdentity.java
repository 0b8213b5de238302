package io.strata.membership.local;

import io.strata.membership.cluster.ClusterIdentity;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Properties;
import java.util.UUID;

/**
 * Loads or creates {@code meta.properties} in a node's data directory, as Kafka does: keys
 * {@code cluster.id} and {@code node.id}. The cluster id is created once and kept; starting the
 * directory under another node id is refused, because its logs belong to that other node.
 */
public final class FileClusterIdentity {

    private FileClusterIdentity() {
    }

    public static ClusterIdentity loadOrCreate(Path dataDir, int nodeId) {
        Path file = dataDir.resolve("meta.properties");
        if (Files.exists(file)) {
            Properties props = DurableFiles.readProperties(file);
            int storedNode = Integer.parseInt(props.getProperty("node.id"));
            if (storedNode != nodeId) {
                throw new IllegalStateException("Data directory " + dataDir + " belongs to node " + storedNode
                        + " but this node is configured as " + nodeId);
            }
            return new ClusterIdentity(props.getProperty("cluster.id"), storedNode);
        }
        UUID uuid = UUID.randomUUID();
        ByteBuffer bytes = ByteBuffer.allocate(16).putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits());
        String clusterId = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes.array());
        Properties props = new Properties();
        props.setProperty("version", "1");
        props.setProperty("cluster.id", clusterId);
        props.setProperty("node.id", Integer.toString(nodeId));
        try {
            Files.createDirectories(dataDir);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        DurableFiles.writeProperties(file, props);
        return new ClusterIdentity(clusterId, nodeId);
    }
}
