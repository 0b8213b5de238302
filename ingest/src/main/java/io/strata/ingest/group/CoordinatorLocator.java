package io.strata.ingest.group;

import java.util.List;
import java.util.function.Supplier;

/**
 * Which node coordinates a group. A group id hashes to one of a fixed number of coordinator slots
 * (as Kafka hashes it to a partition of {@code __consumer_offsets}); a slot belongs to one of the
 * live nodes. With one node every slot is local; with several, the groups spread over them and a
 * node answers NOT_COORDINATOR for groups it does not own.
 */
public final class CoordinatorLocator {

    /** Number of coordinator slots, Kafka's default offsets.topic.num.partitions. */
    public static final int SLOTS = 50;

    private final int localNodeId;
    private final Supplier<List<Integer>> liveNodeIds;

    /**
     * @param localNodeId this node
     * @param liveNodeIds the node ids currently able to coordinate, in any order
     */
    public CoordinatorLocator(int localNodeId, Supplier<List<Integer>> liveNodeIds) {
        this.localNodeId = localNodeId;
        this.liveNodeIds = liveNodeIds;
    }

    /** A single node that coordinates everything. */
    public static CoordinatorLocator singleNode(int nodeId) {
        return new CoordinatorLocator(nodeId, () -> List.of(nodeId));
    }

    /** The slot of a group: non-negative hash of the id modulo {@link #SLOTS}. */
    public static int slotOf(String groupId) {
        return (groupId.hashCode() & 0x7fffffff) % SLOTS;
    }

    /** The coordinator's node id, or -1 when no node is live. */
    public int coordinatorOf(String groupId) {
        List<Integer> nodes = liveNodeIds.get().stream().sorted().toList();
        if (nodes.isEmpty()) {
            return -1;
        }
        return nodes.get(slotOf(groupId) % nodes.size());
    }

    public boolean isLocal(String groupId) {
        return coordinatorOf(groupId) == localNodeId;
    }

    public int localNodeId() {
        return localNodeId;
    }
}
