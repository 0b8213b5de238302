package io.strata.ingest.broker;

import java.util.Optional;
import java.util.function.IntFunction;
import java.util.function.IntPredicate;

/**
 * Picks the replica a consumer should read from (KIP-392, Kafka's RackAwareReplicaSelector): an
 * in-sync replica in the consumer's rack, so that reads stay in one availability zone. The leader
 * itself when it is in that rack, or when no in-sync replica is; then the consumer is not redirected.
 */
public final class ReadReplicaSelector {

    private final boolean enabled;
    private final int localNodeId;
    private final IntFunction<Optional<String>> rackOf;
    private final IntPredicate isLive;

    /**
     * @param enabled whether consumers that name their rack (client.rack) are sent to a replica in it
     * @param rackOf  the rack of a node, empty when it has none or is unknown
     */
    public ReadReplicaSelector(boolean enabled, int localNodeId, IntFunction<Optional<String>> rackOf, IntPredicate isLive) {
        this.enabled = enabled;
        this.localNodeId = localNodeId;
        this.rackOf = rackOf;
        this.isLive = isLive;
    }

    /** The replica to read from instead of this leader, or -1 to read here. */
    public int preferredReadReplica(Partition leader, String clientRack) {
        if (!enabled || clientRack == null) {
            return -1;
        }
        if (rackOf.apply(localNodeId).map(clientRack::equals).orElse(false)) {
            return -1;
        }
        for (int replica : leader.inSyncReplicas()) {
            if (replica != localNodeId && isLive.test(replica) && rackOf.apply(replica).map(clientRack::equals).orElse(false)) {
                return replica;
            }
        }
        return -1;
    }
}
