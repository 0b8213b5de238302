package io.strata.ingest.group;

import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Which node coordinates a group. A group id hashes to one of a fixed number of coordinator slots
 * (as Kafka hashes it to a partition of {@code __consumer_offsets}); a slot belongs to one of the
 * live nodes. With one node every slot is local; with several, the groups spread over them and a
 * node answers NOT_COORDINATOR for groups it does not own.
 *
 * <p>A node cut off from the majority of the cluster names no coordinator at all, not even itself:
 * its view of the live nodes is the minority's, so the majority has already given its slots to
 * other nodes, and commits acknowledged here would be lost when the split heals (Kafka's coordinator
 * is likewise the leader of an offsets partition, which a broker cut off from the quorum loses).
 * Clients then get COORDINATOR_NOT_AVAILABLE and retry, on another node if they can reach one.
 *
 * <p>Thread-safe as long as the suppliers are; answers are computed on each call.
 */
public final class CoordinatorLocator {

    /** Number of coordinator slots, Kafka's default offsets.topic.num.partitions. */
    public static final int SLOTS = 50;

    /** {@link #coordinatorOf} when no node coordinates the group. */
    public static final int NONE = -1;

    private final int localNodeId;
    private final Supplier<List<Integer>> liveNodeIds;
    private final BooleanSupplier inMajority;

    /**
     * @param localNodeId this node
     * @param liveNodeIds the node ids currently able to coordinate, in any order
     * @param inMajority  whether this node sees a majority of the cluster (the split-brain quorum)
     */
    public CoordinatorLocator(int localNodeId, Supplier<List<Integer>> liveNodeIds, BooleanSupplier inMajority) {
        this.localNodeId = localNodeId;
        this.liveNodeIds = liveNodeIds;
        this.inMajority = inMajority;
    }

    /** A single node that coordinates everything. */
    public static CoordinatorLocator singleNode(int nodeId) {
        return new CoordinatorLocator(nodeId, () -> List.of(nodeId), () -> true);
    }

    /** The slot of a group: non-negative hash of the id modulo {@link #SLOTS}. */
    public static int slotOf(String groupId) {
        return (groupId.hashCode() & 0x7fffffff) % SLOTS;
    }

    /** The coordinator's node id, or {@link #NONE} when no node is live or this node is cut off from the majority. */
    public int coordinatorOf(String groupId) {
        if (!inMajority.getAsBoolean()) {
            return NONE;
        }
        List<Integer> nodes = liveNodeIds.get().stream().sorted().toList();
        if (nodes.isEmpty()) {
            return NONE;
        }
        return nodes.get(slotOf(groupId) % nodes.size());
    }

    /** Whether this node sees a majority of the cluster now; a write it acknowledges must be on that majority. */
    public boolean inMajority() {
        return inMajority.getAsBoolean();
    }

    public boolean isLocal(String groupId) {
        return coordinatorOf(groupId) == localNodeId;
    }

    public int localNodeId() {
        return localNodeId;
    }
}
