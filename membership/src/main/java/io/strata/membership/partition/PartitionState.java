package io.strata.membership.partition;

import io.strata.membership.durable.ByteReader;
import io.strata.membership.durable.ByteWriter;

import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * Leadership of one topic partition.
 *
 * <p>Invariants: the leader epoch of a partition only grows (every change of leader or replicas
 * goes through a compare-and-set on the expected epoch that writes a strictly higher one, and the
 * state is durable, so this holds across full-cluster restarts). The epoch is scoped to the topic id:
 * a topic deleted and re-created under the same name starts again at 0 with a new id, as in Kafka.
 *
 * @param topicId      id of the topic this state belongs to
 * @param leaderNodeId node id of the leader, {@link #NO_LEADER} when the partition is offline
 * @param leaderEpoch  the leader epoch, {@code >= 0}
 * @param replicas     the assigned replicas, preferred leader first; never empty
 */
public record PartitionState(UUID topicId, int leaderNodeId, int leaderEpoch, List<Integer> replicas) {

    public static final int NO_LEADER = -1;
    private static final int FORMAT_VERSION = 1;

    public PartitionState {
        Objects.requireNonNull(topicId, "topicId");
        if (leaderEpoch < 0) {
            throw new IllegalArgumentException("leaderEpoch must be >= 0");
        }
        replicas = List.copyOf(replicas);
        if (replicas.isEmpty()) {
            throw new IllegalArgumentException("a partition needs at least one replica");
        }
    }

    public boolean hasLeader() {
        return leaderNodeId != NO_LEADER;
    }

    /** The next state: another leader (and replicas) under the next epoch. */
    public PartitionState withLeader(int newLeader, List<Integer> newReplicas) {
        return new PartitionState(topicId, newLeader, leaderEpoch + 1, newReplicas);
    }

    /**
     * Durable and in-memory format, version 1, big-endian:
     * {@code u8 1 | i64 topicId.msb | i64 topicId.lsb | i32 leaderNodeId | i32 leaderEpoch |
     * i32 replicaCount | i32 replica * replicaCount}.
     */
    public byte[] toBytes() {
        ByteWriter w = new ByteWriter().writeByte(FORMAT_VERSION).writeUuid(topicId)
                .writeInt(leaderNodeId).writeInt(leaderEpoch).writeInt(replicas.size());
        replicas.forEach(w::writeInt);
        return w.toByteArray();
    }

    public static PartitionState fromBytes(byte[] bytes) {
        ByteReader r = new ByteReader(bytes).expectVersion(FORMAT_VERSION, "partition state");
        UUID id = r.readUuid();
        int leader = r.readInt();
        int epoch = r.readInt();
        int n = r.readCount(4);
        Integer[] replicas = new Integer[n];
        for (int i = 0; i < n; i++) {
            replicas[i] = r.readInt();
        }
        r.expectEnd();
        return new PartitionState(id, leader, epoch, List.of(replicas));
    }
}
