package io.strata.membership.hazelcast;

import io.strata.membership.durable.FileMetadataStore;
import io.strata.membership.durable.MetadataStore;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Configuration of an embedded cluster member. Build it with {@link #builder(int)}; all members of a
 * cluster must agree on {@code clusterName}, {@code members}, {@code partitionCount} and the store.
 *
 * @param clusterName            Hazelcast cluster name; members with another name never join
 * @param nodeId                 this node's broker id, unique in the cluster
 * @param bindHost               address the member binds to and advertises to the other members
 * @param port                   member-to-member port (default 5701; no auto-increment)
 * @param members                the members to join, as {@code host:port} (default: only this member);
 *                               ignored for discovery when {@code awsDiscovery} is set
 * @param heartbeatInterval      member heartbeat interval (whole seconds, at least 1; default 1 s)
 * @param maxNoHeartbeat         a member silent this long is removed (whole seconds; default 5 s).
 *                               A crashed process is noticed sooner, when its connections close.
 * @param splitBrainQuorum       minimum members for metadata writes; 0 means a majority of {@code members}
 * @param backupCount            synchronous in-memory backups of each metadata entry (default 1)
 * @param partitionCount         Hazelcast partition count (default 271; small values start faster)
 * @param joinWait               how long a starting member waits for others before forming a cluster
 *                               alone (default 5 s); members started together should all be up by then
 * @param defaultReplicationFactor replicas per partition when a topic is created without an explicit
 *                               factor (default 1); a partition gets no state while fewer nodes are live
 * @param uncleanLeaderElection  {@code unclean.leader.election.enable} for topics that do not set it
 *                               (default false, as Kafka)
 * @param producerIdBlockSize    producer ids a node reserves per durable write (default 1000)
 * @param quorumWait             how long {@link ClusterMember#start} waits for the split-brain quorum
 *                               of members to be present before giving up (default 5 min)
 * @param metadataStore          the shared durable store under the metadata maps
 * @param autoLeaderRebalance    Kafka's {@code auto.leader.rebalance.enable}: the controller moves leadership
 *                               back to preferred replicas that are live and in sync (default true)
 * @param leaderImbalanceCheckInterval how often the controller checks that (Kafka's
 *                               {@code leader.imbalance.check.interval.seconds}; default 300 s)
 * @param awsDiscovery           find the members on EC2 by tag instead of the static list (null: the list);
 *                               then {@code splitBrainQuorum} must be set, since no list says how many there are
 */
public record MembershipConfig(
        String clusterName,
        int nodeId,
        String bindHost,
        int port,
        List<String> members,
        Duration heartbeatInterval,
        Duration maxNoHeartbeat,
        int splitBrainQuorum,
        int backupCount,
        int partitionCount,
        Duration joinWait,
        int defaultReplicationFactor,
        boolean uncleanLeaderElection,
        int producerIdBlockSize,
        Duration quorumWait,
        MetadataStore metadataStore,
        boolean autoLeaderRebalance,
        Duration leaderImbalanceCheckInterval,
        AwsDiscovery awsDiscovery) {

    public static final int DEFAULT_PORT = 5701;

    public MembershipConfig {
        Objects.requireNonNull(clusterName, "clusterName");
        Objects.requireNonNull(bindHost, "bindHost");
        Objects.requireNonNull(metadataStore, "metadataStore (the shared durable store)");
        Objects.requireNonNull(quorumWait, "quorumWait");
        Objects.requireNonNull(leaderImbalanceCheckInterval, "leaderImbalanceCheckInterval");
        if (leaderImbalanceCheckInterval.toMillis() <= 0) {
            throw new IllegalArgumentException("leaderImbalanceCheckInterval must be positive");
        }
        if (nodeId < 0) {
            throw new IllegalArgumentException("nodeId must be >= 0");
        }
        members = members == null || members.isEmpty() ? List.of(bindHost + ":" + port) : List.copyOf(members);
        for (String m : members) {
            int colon = m.lastIndexOf(':');
            if (colon <= 0 || colon == m.length() - 1) {
                throw new IllegalArgumentException("Member address must be host:port, got '" + m + "'");
            }
            Integer.parseInt(m.substring(colon + 1));
        }
        // Compared in whole seconds, as Hazelcast reads them (see the effective values below).
        if (heartbeatInterval.toSeconds() < 1 || Math.max(2, maxNoHeartbeat.toSeconds()) <= heartbeatInterval.toSeconds()) {
            throw new IllegalArgumentException("heartbeatInterval must be >= 1 s and below maxNoHeartbeat");
        }
        if (awsDiscovery != null && splitBrainQuorum < 1) {
            throw new IllegalArgumentException("With AWS discovery the split-brain quorum must be given (a majority of "
                    + "the cluster's size): there is no member list to count");
        }
        if (splitBrainQuorum < 0 || backupCount < 0 || backupCount > 6 || partitionCount < 1
                || defaultReplicationFactor < 1 || producerIdBlockSize < 1) {
            throw new IllegalArgumentException("Invalid membership configuration: " + this);
        }
    }

    /** The split-brain quorum in effect: the configured one, else a majority of the configured members. */
    public int effectiveQuorum() {
        return splitBrainQuorum > 0 ? splitBrainQuorum : members.size() / 2 + 1;
    }

    /** The heartbeat interval Hazelcast runs with: whole seconds. */
    public Duration effectiveHeartbeatInterval() {
        return Duration.ofSeconds(heartbeatInterval.toSeconds());
    }

    /** The failure-detection time Hazelcast runs with: whole seconds, at least 2. */
    public Duration effectiveMaxNoHeartbeat() {
        return Duration.ofSeconds(Math.max(2, maxNoHeartbeat.toSeconds()));
    }

    /**
     * How recently a member must have been heard from (a heartbeat received) to count towards the
     * split-brain quorum: two heartbeat intervals and a half, so that one late or lost heartbeat does not
     * drop the quorum, yet at least half a second below {@link #effectiveMaxNoHeartbeat()}. A node cut off
     * from its peers thus loses the quorum well before its member list changes (which takes the full
     * failure-detection time and then a membership round), and stops acknowledging writes then.
     * Always above the heartbeat interval, which Hazelcast requires.
     */
    public Duration quorumHeartbeatTolerance() {
        long heartbeat = effectiveHeartbeatInterval().toMillis();
        return Duration.ofMillis(Math.min(2 * heartbeat + 500, effectiveMaxNoHeartbeat().toMillis() - 500));
    }

    /**
     * How long a metadata write waits for its synchronous backup's acknowledgement before Hazelcast
     * completes it without one ({@code hazelcast.operation.backup.timeout.millis}; Hazelcast's default is 5 s).
     * It must exceed {@link #quorumHeartbeatTolerance()} by more than one heartbeat interval (the quorum is
     * re-evaluated once per interval): a write whose backup is unreachable then returns only after a member
     * cut off from its peers has seen its quorum go, so the quorum check after the write refuses it.
     */
    public Duration backupTimeout() {
        long wanted = quorumHeartbeatTolerance().toMillis() + 2 * effectiveHeartbeatInterval().toMillis();
        return Duration.ofMillis(Math.max(5_000, wanted));
    }

    public static Builder builder(int nodeId) {
        return new Builder(nodeId);
    }

    /** Fluent builder with the documented defaults. */
    public static final class Builder {
        private String clusterName = "strata";
        private final int nodeId;
        private String bindHost = "127.0.0.1";
        private int port = DEFAULT_PORT;
        private List<String> members = List.of();
        private Duration heartbeatInterval = Duration.ofSeconds(1);
        private Duration maxNoHeartbeat = Duration.ofSeconds(5);
        private int splitBrainQuorum;
        private int backupCount = 1;
        private int partitionCount = 271;
        private Duration joinWait = Duration.ofSeconds(5);
        private int defaultReplicationFactor = 1;
        private boolean uncleanLeaderElection;
        private int producerIdBlockSize = 1000;
        private Duration quorumWait = Duration.ofMinutes(5);
        private MetadataStore metadataStore;
        private boolean autoLeaderRebalance = true;
        private Duration leaderImbalanceCheckInterval = Duration.ofSeconds(300);
        private AwsDiscovery awsDiscovery;

        private Builder(int nodeId) {
            this.nodeId = nodeId;
        }

        public Builder clusterName(String v) { clusterName = v; return this; }
        public Builder bindHost(String v) { bindHost = v; return this; }
        public Builder port(int v) { port = v; return this; }
        public Builder members(List<String> v) { members = v; return this; }
        public Builder heartbeatInterval(Duration v) { heartbeatInterval = v; return this; }
        public Builder maxNoHeartbeat(Duration v) { maxNoHeartbeat = v; return this; }
        public Builder splitBrainQuorum(int v) { splitBrainQuorum = v; return this; }
        public Builder backupCount(int v) { backupCount = v; return this; }
        public Builder partitionCount(int v) { partitionCount = v; return this; }
        public Builder joinWait(Duration v) { joinWait = v; return this; }
        public Builder defaultReplicationFactor(int v) { defaultReplicationFactor = v; return this; }
        public Builder uncleanLeaderElection(boolean v) { uncleanLeaderElection = v; return this; }
        public Builder producerIdBlockSize(int v) { producerIdBlockSize = v; return this; }
        public Builder quorumWait(Duration v) { quorumWait = v; return this; }
        public Builder metadataStore(MetadataStore v) { metadataStore = v; return this; }
        public Builder autoLeaderRebalance(boolean v) { autoLeaderRebalance = v; return this; }
        public Builder leaderImbalanceCheckInterval(Duration v) { leaderImbalanceCheckInterval = v; return this; }
        public Builder awsDiscovery(AwsDiscovery v) { awsDiscovery = v; return this; }

        /** Uses a {@link FileMetadataStore} in {@code dir}, which every member must share. */
        public Builder metadataDirectory(Path dir) { metadataStore = new FileMetadataStore(dir); return this; }

        public MembershipConfig build() {
            return new MembershipConfig(clusterName, nodeId, bindHost, port, members, heartbeatInterval,
                    maxNoHeartbeat, splitBrainQuorum, backupCount, partitionCount, joinWait,
                    defaultReplicationFactor, uncleanLeaderElection, producerIdBlockSize, quorumWait, metadataStore,
                    autoLeaderRebalance, leaderImbalanceCheckInterval, awsDiscovery);
        }
    }
}
