package io.strata.membership.hazelcast;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import com.hazelcast.map.IMap;
import io.strata.membership.cluster.ClusterIdentity;
import io.strata.membership.cluster.ClusterIds;
import io.strata.membership.cluster.ControllerElection;
import io.strata.membership.cluster.DuplicateNodeIdException;
import io.strata.membership.cluster.HazelcastProducerIdAllocator;
import io.strata.membership.cluster.NodeInfo;
import io.strata.membership.cluster.NodeRegistry;
import io.strata.membership.cluster.WriteQuorum;
import io.strata.membership.security.AclStore;
import io.strata.membership.security.RevokedTokenStore;
import io.strata.membership.security.ClientQuotaStore;
import io.strata.membership.security.ScramCredentialStore;
import io.strata.membership.group.GroupOffsetStore;
import io.strata.membership.group.HazelcastGroupOffsetStore;
import io.strata.membership.partition.PartitionAssigner;
import io.strata.membership.partition.PartitionStateStore;
import io.strata.membership.topic.HazelcastTopicRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;

/**
 * An embedded Hazelcast member carrying this node's share of the cluster metadata, and the services
 * over it. {@link #start} joins (or forms) the cluster, refuses a duplicate node id, creates or reads
 * the cluster id, loads the durable maps from the metadata store (on the first member of a cluster)
 * and starts the partition assigner. {@link #close} leaves the cluster gracefully (the member's
 * partitions migrate to the others first); the metadata store is not closed, it belongs to the caller.
 *
 * <p>Thread-safe. The services stay usable until {@link #close}; after the member has left
 * (closed, or terminated by Hazelcast) their calls fail with {@code HazelcastInstanceNotActiveException}.
 */
public final class ClusterMember implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ClusterMember.class);

    private final MembershipConfig config;
    private final HazelcastInstance hz;
    private final ClusterIdentity identity;
    private final WriteQuorum quorum;
    private final NodeRegistry nodes;
    private final ControllerElection controller;
    private final HazelcastTopicRegistry topics;
    private final PartitionStateStore partitions;
    private final PartitionAssigner assigner;
    private final HazelcastGroupOffsetStore groupOffsets;
    private final HazelcastProducerIdAllocator producerIds;
    private final ScramCredentialStore scramCredentials;
    private final AclStore acls;
    private final RevokedTokenStore revokedTokens;
    private final ClientQuotaStore clientQuotas;

    private ClusterMember(MembershipConfig config, NodeInfo self, HazelcastInstance hz, WriteQuorum quorum) {
        this.config = config;
        this.hz = hz;
        this.identity = new ClusterIdentity(ClusterIds.loadOrCreate(config.metadataStore()), config.nodeId());
        IMap<String, byte[]> topicMap = hz.getMap(MetadataMaps.TOPICS);
        IMap<String, byte[]> partitionMap = hz.getMap(MetadataMaps.PARTITIONS);
        IMap<String, byte[]> controllerMap = hz.getMap(MetadataMaps.CONTROLLER);
        IMap<String, byte[]> offsetMap = hz.getMap(MetadataMaps.GROUP_OFFSETS);
        IMap<String, byte[]> producerIdMap = hz.getMap(MetadataMaps.PRODUCER_IDS);
        this.quorum = quorum;
        this.nodes = new NodeRegistry(hz, self);
        this.controller = new ControllerElection(hz, controllerMap, config.nodeId(), quorum);
        this.topics = new HazelcastTopicRegistry(topicMap, quorum);
        this.partitions = new PartitionStateStore(partitionMap, quorum, config.metadataStore(),
                MetadataMaps.namespace(MetadataMaps.PARTITIONS));
        this.groupOffsets = new HazelcastGroupOffsetStore(offsetMap, quorum);
        this.producerIds = new HazelcastProducerIdAllocator(producerIdMap, config.producerIdBlockSize(), quorum);
        this.scramCredentials = new ScramCredentialStore(hz.getMap(MetadataMaps.SCRAM_CREDENTIALS), quorum);
        this.acls = new AclStore(hz.getMap(MetadataMaps.ACLS), quorum);
        this.revokedTokens = new RevokedTokenStore(hz.getMap(MetadataMaps.REVOKED_TOKENS), quorum);
        this.clientQuotas = new ClientQuotaStore(hz.getMap(MetadataMaps.CLIENT_QUOTAS), quorum);
        this.assigner = new PartitionAssigner(nodes, controller, topics, partitions, config.defaultReplicationFactor(),
                config.uncleanLeaderElection(), config.autoLeaderRebalance(),
                config.leaderImbalanceCheckInterval().toMillis());
        hz.getLifecycleService().addLifecycleListener(event -> {
            if (event.getState() == LifecycleEvent.LifecycleState.SHUTTING_DOWN) {
                assigner.close();
            }
        });
        assigner.start();
        // entries changed without an event reaching this member (see LocalPartitionStates) are read again
        addMembershipChangeListener(partitions.local()::refreshAllSoon);
    }

    /**
     * Starts a member and joins the configured cluster. Blocks until the member has joined, the
     * split-brain quorum of members is present (up to {@code quorumWait}; members of a cluster are
     * started together, as the voters of a KRaft quorum are) and the durable maps are loaded
     * (3-6 s on a small machine, plus the join wait when it is the first).
     *
     * @throws DuplicateNodeIdException when another member already carries {@code self.nodeId()}
     *                                  (after waiting up to {@code maxNoHeartbeat} for it to vanish,
     *                                  in case it is the crashed predecessor of this node)
     */
    public static ClusterMember start(MembershipConfig config, NodeInfo self) {
        if (self.nodeId() != config.nodeId()) {
            throw new IllegalArgumentException("NodeInfo is for node " + self.nodeId() + ", config for " + config.nodeId());
        }
        HazelcastAsyncExecutor.install();
        HazelcastInstance hz = Hazelcast.newHazelcastInstance(HazelcastConfigs.build(config, self));
        try {
            refuseDuplicateNodeId(hz, config);
            WriteQuorum quorum = new WriteQuorum(hz, MetadataMaps.SPLIT_BRAIN_PROTECTION, config.effectiveQuorum());
            awaitQuorum(hz, quorum, config);
            ClusterMember member = new ClusterMember(config, self, hz, quorum);
            LOG.info("Node {} joined cluster {} ({} members, controller {})", config.nodeId(),
                    member.identity.clusterId(), hz.getCluster().getMembers().size(), member.controller.controllerNodeId());
            return member;
        } catch (RuntimeException | Error e) {
            try {
                hz.shutdown();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    private static void refuseDuplicateNodeId(HazelcastInstance hz, MembershipConfig config) {
        long deadline = System.nanoTime() + config.maxNoHeartbeat().toNanos();
        while (true) {
            Optional<Member> older = olderMemberWithNodeId(hz, config.nodeId());
            if (older.isEmpty()) {
                return;
            }
            if (System.nanoTime() >= deadline) {
                throw new DuplicateNodeIdException(config.nodeId(), older.get().getAddress().toString());
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DuplicateNodeIdException(config.nodeId(), older.get().getAddress().toString());
            }
        }
    }

    /**
     * A member alone on a minority side must not act on the metadata (its writes would be refused
     * anyway), so a starting member waits until enough members are present, as a KRaft voter does.
     */
    private static void awaitQuorum(HazelcastInstance hz, WriteQuorum quorum, MembershipConfig config) {
        long deadline = System.nanoTime() + config.quorumWait().toNanos();
        boolean logged = false;
        while (!quorum.present()) {
            if (System.nanoTime() >= deadline) {
                throw new IllegalStateException("Only " + hz.getCluster().getMembers().size() + " of the "
                        + config.effectiveQuorum() + " members needed for metadata writes joined within "
                        + config.quorumWait() + "; members configured: " + config.members());
            }
            if (!logged) {
                LOG.info("Node {} waits for {} members (split-brain quorum) before opening the metadata maps",
                        config.nodeId(), config.effectiveQuorum());
                logged = true;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while waiting for the cluster quorum", e);
            }
        }
    }

    private static Optional<Member> olderMemberWithNodeId(HazelcastInstance hz, int nodeId) {
        for (Member m : hz.getCluster().getMembers()) { // oldest first
            if (m.localMember()) {
                return Optional.empty();
            }
            if (NodeRegistry.nodeOf(m).map(n -> n.nodeId() == nodeId).orElse(false)) {
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }

    public MembershipConfig config() {
        return config;
    }

    /** The cluster id (the same on every node) and this node's id. */
    public ClusterIdentity identity() {
        return identity;
    }

    public NodeRegistry nodes() {
        return nodes;
    }

    public ControllerElection controller() {
        return controller;
    }

    public HazelcastTopicRegistry topics() {
        return topics;
    }

    public PartitionStateStore partitions() {
        return partitions;
    }

    public PartitionAssigner assigner() {
        return assigner;
    }

    public GroupOffsetStore groupOffsets() {
        return groupOffsets;
    }

    public HazelcastProducerIdAllocator producerIds() {
        return producerIds;
    }

    /** The users' SCRAM credentials. */
    public ScramCredentialStore scramCredentials() {
        return scramCredentials;
    }

    /** The cluster's ACLs, with a local copy for authorization. */
    public AclStore acls() {
        return acls;
    }

    /** Revoked HTTP bearer tokens, with a local copy for the checks of every request. */
    public RevokedTokenStore revokedTokens() {
        return revokedTokens;
    }

    /** The cluster's client quotas, with a local copy for enforcement. */
    public ClientQuotaStore clientQuotas() {
        return clientQuotas;
    }

    /**
     * Calls {@code listener} after every change of the membership this member sees: a member joined or
     * left, or this member merged back into the cluster after a network split. A view of the metadata
     * kept from entry events must then be read again: a merging member receives the entries changed
     * without it by migration and merge, which fire no entry events. Called on Hazelcast event threads;
     * must return quickly. The registration lasts as long as the member.
     */
    public void addMembershipChangeListener(Runnable listener) {
        hz.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent event) {
                listener.run();
            }

            @Override
            public void memberRemoved(MembershipEvent event) {
                listener.run();
            }
        });
        hz.getLifecycleService().addLifecycleListener(event -> {
            if (event.getState() == LifecycleEvent.LifecycleState.MERGED) {
                listener.run();
            }
        });
    }

    /** Whether enough members are present for metadata writes (the split-brain quorum). */
    public boolean hasQuorum() {
        return quorum.present();
    }

    public boolean isRunning() {
        return hz.getLifecycleService().isRunning();
    }

    /** The underlying member, for diagnostics and tests; do not reconfigure it. */
    public HazelcastInstance hazelcast() {
        return hz;
    }

    /** Leaves the cluster gracefully. Idempotent. */
    @Override
    public void close() {
        assigner.close();
        partitions.local().close();
        if (hz.getLifecycleService().isRunning()) {
            topics.close();
            controller.close();
            hz.shutdown();
        }
    }
}
