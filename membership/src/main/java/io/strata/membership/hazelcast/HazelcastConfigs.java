package io.strata.membership.hazelcast;

import com.hazelcast.config.AwsConfig;
import com.hazelcast.config.Config;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MapStoreConfig;
import com.hazelcast.config.MergePolicyConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.config.SplitBrainProtectionConfig;
import com.hazelcast.splitbrainprotection.SplitBrainProtectionOn;
import io.strata.membership.cluster.NodeInfo;
import io.strata.membership.cluster.NodeRegistry;
import io.strata.membership.durable.MetadataMapStore;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** Builds the Hazelcast member configuration in code; nothing is read from files or the environment. */
final class HazelcastConfigs {

    private HazelcastConfigs() {
    }

    static Config build(MembershipConfig cfg, NodeInfo self) {
        Config c = new Config();
        c.setClusterName(cfg.clusterName());
        c.setInstanceName("strata-node-" + cfg.nodeId() + "-" + cfg.port());
        // Merge policies are named by class: load them where this library was loaded (an application
        // server's or test framework's class loader), not from the system class path.
        c.setClassLoader(HazelcastConfigs.class.getClassLoader());

        long joinWait = Math.max(1, cfg.joinWait().toSeconds());
        c.setProperty("hazelcast.logging.type", "slf4j");
        c.setProperty("hazelcast.phone.home.enabled", "false");
        c.setProperty("hazelcast.shutdownhook.enabled", "false");
        c.setProperty("hazelcast.heartbeat.interval.seconds", Long.toString(cfg.effectiveHeartbeatInterval().toSeconds()));
        c.setProperty("hazelcast.max.no.heartbeat.seconds", Long.toString(cfg.effectiveMaxNoHeartbeat().toSeconds()));
        // Set explicitly: the quorum check after a metadata write relies on it outlasting the quorum's
        // heartbeat tolerance (see MembershipConfig.backupTimeout and WriteQuorum).
        c.setProperty("hazelcast.operation.backup.timeout.millis", Long.toString(cfg.backupTimeout().toMillis()));
        c.setProperty("hazelcast.partition.count", Integer.toString(cfg.partitionCount()));
        c.setProperty("hazelcast.wait.seconds.before.join", Long.toString(joinWait));
        c.setProperty("hazelcast.max.wait.seconds.before.join", Long.toString(joinWait * 2));
        // Heal a split (members that started apart, or one paused past failure detection) within seconds.
        c.setProperty("hazelcast.merge.first.run.delay.seconds", "5");
        c.setProperty("hazelcast.merge.next.run.delay.seconds", "5");
        c.getJetConfig().setEnabled(false);
        // Nothing reads Hazelcast's own metrics (no Management Center; the node exports its own): collecting
        // them every few seconds was a steady background cost of every node.
        c.getMetricsConfig().setEnabled(false);

        NetworkConfig net = c.getNetworkConfig();
        net.setPort(cfg.port()).setPortAutoIncrement(false);
        if (!"0.0.0.0".equals(cfg.bindHost())) {
            c.setProperty("hazelcast.socket.bind.any", "false");
            net.getInterfaces().setEnabled(true).addInterface(resolve(cfg.bindHost()));
        }
        JoinConfig join = net.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        if (cfg.awsDiscovery() == null) {
            join.getTcpIpConfig().setEnabled(true).setMembers(cfg.members())
                    .setConnectionTimeoutSeconds((int) joinWait);
        } else {
            join.getTcpIpConfig().setEnabled(false);
            join.setAwsConfig(awsConfig(cfg.awsDiscovery(), cfg.port()));
        }

        c.getMemberAttributeConfig().setAttributes(NodeRegistry.attributesOf(self));
        c.getSerializationConfig().addDataSerializableFactory(MetadataSerialization.FACTORY_ID, new MetadataSerialization());

        // The rule is evaluated by WriteQuorum around every metadata write, not attached to the maps:
        // attached to a map with a MapLoader it wedges the map on a minority (see WriteQuorum).
        // It counts the members heard from recently, not the member list: a member cut off from its
        // peers only suspects them after max-no-heartbeat and removes them a membership round later
        // (8.5 s measured with a 4 s detection time), and must not acknowledge writes meanwhile.
        c.addSplitBrainProtectionConfig(SplitBrainProtectionConfig.newRecentlyActiveSplitBrainProtectionConfigBuilder(
                        MetadataMaps.SPLIT_BRAIN_PROTECTION, cfg.effectiveQuorum(),
                        (int) cfg.quorumHeartbeatTolerance().toMillis())
                .build().setProtectOn(SplitBrainProtectionOn.WRITE));
        for (String name : MetadataMaps.ALL) {
            c.addMapConfig(new MapConfig(name)
                    .setBackupCount(cfg.backupCount())
                    .setAsyncBackupCount(0)
                    .setInMemoryFormat(InMemoryFormat.BINARY)
                    .setMergePolicyConfig(new MergePolicyConfig(MetadataMaps.mergePolicy(name),
                            MergePolicyConfig.DEFAULT_BATCH_SIZE))
                    .setMapStoreConfig(new MapStoreConfig()
                            .setEnabled(true)
                            .setImplementation(new MetadataMapStore(cfg.metadataStore(), MetadataMaps.namespace(name)))
                            .setWriteDelaySeconds(0) // write-through
                            .setInitialLoadMode(MapStoreConfig.InitialLoadMode.EAGER)));
        }
        return c;
    }

    /**
     * Hazelcast's AWS discovery: instances with the tag, on this member's port only (members of one cluster all use
     * the same port). Without keys it signs with the instance profile's credentials from the instance metadata.
     */
    static AwsConfig awsConfig(AwsDiscovery aws, int port) {
        AwsConfig config = new AwsConfig().setEnabled(true)
                .setProperty("tag-key", aws.tagKey())
                .setProperty("hz-port", Integer.toString(port))
                .setProperty("connection-timeout-seconds", Long.toString(aws.connectionTimeout().toSeconds()))
                .setProperty("read-timeout-seconds", Long.toString(aws.connectionTimeout().toSeconds()));
        aws.tagValue().ifPresent(v -> config.setProperty("tag-value", v));
        aws.region().ifPresent(v -> config.setProperty("region", v));
        aws.endpoint().ifPresent(v -> config.setProperty("host-header", v));
        return config;
    }

    private static String resolve(String host) {
        try {
            return InetAddress.getByName(host).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("Cannot resolve bind host '" + host + "'", e);
        }
    }
}
