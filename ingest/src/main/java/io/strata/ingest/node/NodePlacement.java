package io.strata.ingest.node;

import io.strata.ingest.cloud.Ec2InstanceMetadata;
import io.strata.ingest.config.StrataConfig;
import io.strata.membership.cluster.NodeIdAllocator;
import io.strata.membership.durable.MetadataStore;
import io.strata.membership.hazelcast.AwsDiscovery;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * Where this node stands in its cluster: the addresses it announces, its rack, how it finds the other members, how
 * many there are meant to be, where the durable metadata lives and its node id. Taken from the {@code strata.*}
 * settings, completed from the EC2 instance metadata when {@code strata.instance-metadata.enabled} is set, so a node
 * started from one launch template on any instance needs no per-instance setting.
 *
 * <p>Immutable once built; {@link #nodeId} reads and writes nothing but the store and the data directory.
 */
record NodePlacement(String clusterHost, String advertisedHost, Optional<String> rack, String machineName,
                     List<String> members, int clusterSize, Optional<AwsDiscovery> aws) {

    private static final Logger LOG = Logger.getLogger(NodePlacement.class);
    static final String STATIC_DISCOVERY = "static";
    static final String AWS_DISCOVERY = "aws";
    static final String DIRECTORY_METADATA = "directory";
    static final String OBJECT_STORE_METADATA = "object-store";

    /** Resolves the placement; asks the instance metadata service when configured to (blocking, retried). */
    static NodePlacement resolve(StrataConfig config) throws IOException {
        StrataConfig.Cluster cluster = config.cluster();
        String clusterHost = cluster.host();
        String advertisedHost = config.kafka().advertisedHost();
        Optional<String> rack = cluster.rack().filter(r -> !r.isBlank());
        String machineName = null;
        StrataConfig.InstanceMetadata imds = config.instanceMetadata();
        if (imds.enabled()) {
            Ec2InstanceMetadata.Facts facts = new Ec2InstanceMetadata(imds.endpoint(), imds.timeout()).facts();
            clusterHost = facts.localIpv4();
            advertisedHost = facts.localIpv4();
            rack = rack.or(() -> Optional.of(facts.availabilityZone()));
            machineName = facts.instanceId();
            LOG.infof("Instance %s in %s: announcing %s (instance metadata)", facts.instanceId(),
                    facts.availabilityZone(), facts.localIpv4());
        }
        List<String> members = configuredMembers(config);
        Optional<AwsDiscovery> aws = Optional.empty();
        int size;
        switch (cluster.discovery()) {
            case STATIC_DISCOVERY -> size = cluster.size().orElse(Math.max(1, members.size()));
            case AWS_DISCOVERY -> {
                StrataConfig.Cluster.Aws a = cluster.aws();
                aws = Optional.of(new AwsDiscovery(a.tagKey(), a.tagValue(), a.region(), a.endpoint(),
                        a.connectionTimeout()));
                size = cluster.size().orElseThrow(() -> new IllegalArgumentException("strata.cluster.discovery=aws "
                        + "needs strata.cluster.size, the number of members (metadata writes need a majority of it)"));
                members = List.of();
            }
            default -> throw new IllegalArgumentException("strata.cluster.discovery must be 'static' or 'aws', not '"
                    + cluster.discovery() + "'");
        }
        if (size < 1) {
            throw new IllegalArgumentException("strata.cluster.size must be at least 1, got " + size);
        }
        return new NodePlacement(clusterHost, advertisedHost, rack, machineName, members, size, aws);
    }

    /** The static member list, blanks dropped (an empty environment variable gives one blank entry). */
    static List<String> configuredMembers(StrataConfig config) {
        return config.cluster().members().orElse(List.of()).stream().filter(m -> !m.isBlank()).toList();
    }

    /**
     * The metadata store in use: the configured one, else the bucket when the object store is an external one that
     * every member reaches (and no shared directory is configured), else the directory.
     */
    static String metadataStoreKind(StrataConfig config) {
        return config.cluster().metadataStore().filter(k -> !k.isBlank()).orElseGet(() ->
                config.tiering().enabled() && config.s3().endpoint().isPresent() && config.cluster().metadataDir().isEmpty()
                        ? OBJECT_STORE_METADATA : DIRECTORY_METADATA);
    }

    /**
     * This node's id: the configured one, or with {@code strata.node-id=-1} the one in the data directory's
     * {@code meta.properties}, else the one this machine claims in the shared metadata store (see
     * {@link NodeIdAllocator}), the same it got before if it lost its data directory.
     */
    int nodeId(int configured, Path dataDir, MetadataStore store, int advertisedKafkaPort) {
        if (configured >= 0) {
            return configured;
        }
        if (configured != -1) {
            throw new IllegalArgumentException("strata.node-id must be >= 0, or -1 to generate one; got " + configured);
        }
        Optional<Integer> kept = storedNodeId(dataDir);
        if (kept.isPresent()) {
            return kept.get();
        }
        String name = machineName != null ? machineName : advertisedHost + ":" + advertisedKafkaPort;
        int id = NodeIdAllocator.claim(store, name);
        LOG.infof("Node id %d generated for %s (claimed in the cluster metadata store)", id, name);
        return id;
    }

    private static Optional<Integer> storedNodeId(Path dataDir) {
        Path file = dataDir.resolve("meta.properties");
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        Properties props = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            props.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Optional.ofNullable(props.getProperty("node.id")).map(String::trim).map(Integer::parseInt);
    }
}
