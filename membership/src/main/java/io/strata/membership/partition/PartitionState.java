package io.strata.membership.partition;

import io.strata.membership.durable.ByteReader;
import io.strata.membership.durable.ByteWriter;
import io.strata.membership.durable.CorruptMetadataException;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * Leadership and replica set of one topic partition, as Kafka's controller keeps it.
 *
 * <p>Invariants (checked by the constructor): {@code replicas} is non-empty and distinct;
 * {@code isr} is non-empty, distinct and a subset of {@code replicas}; when the partition has a leader,
 * the leader is in the ISR (hence a replica); both epochs are {@code >= 0}. An offline partition
 * ({@link #NO_LEADER}) keeps the last ISR member in its ISR, so that it is the one elected when it
 * returns.
 *
 * <p>Epochs: {@code partitionEpoch} grows on every change (leader, ISR or replicas);
 * {@code leaderEpoch} grows only when the leader changes (or on an explicit re-election). Both only
 * grow: every change goes through a compare-and-set on both expected epochs (see
 * {@link PartitionStateStore}), and the state is durable, so this holds across full-cluster
 * restarts. The epochs are scoped to the topic id: a topic deleted and re-created under the same name
 * may start again at 0 with a new id, as in Kafka. Immutable and thread-safe.
 *
 * <p>Reassignment (KIP-455): while a move is in progress {@code reassignment} names the original and
 * the target replicas, and {@code replicas} is their union (original first, then the replicas being
 * added), so both orders survive a cancel or a completion. The reassignment lives in the state itself,
 * as in KRaft's partition record, so it changes atomically with the replicas under the same
 * compare-and-set and is as durable as the epochs.
 *
 * @param topicId        id of the topic this state belongs to
 * @param leaderNodeId   node id of the leader, {@link #NO_LEADER} when the partition is offline
 * @param leaderEpoch    the leader epoch
 * @param partitionEpoch the partition epoch (Kafka's partition epoch: any change of the state)
 * @param replicas       the assigned replicas, preferred leader first
 * @param isr            the in-sync replicas, in the order the controller or leader wrote them
 * @param reassignment   the move in progress, null when none
 */
public record PartitionState(UUID topicId, int leaderNodeId, int leaderEpoch, int partitionEpoch,
                             List<Integer> replicas, List<Integer> isr, Reassignment reassignment) {

    public static final int NO_LEADER = -1;
    private static final int FORMAT_V1 = 1;
    private static final int FORMAT_V2 = 2;
    private static final int FORMAT_VERSION = 3;

    /**
     * A partition reassignment in progress: from {@code original} to {@code target} replicas (both
     * non-empty and distinct), started at {@code startedAtMs} (wall clock of the node that started it).
     */
    public record Reassignment(List<Integer> original, List<Integer> target, long startedAtMs) {
        public Reassignment {
            original = List.copyOf(original);
            target = List.copyOf(target);
            if (original.isEmpty() || target.isEmpty()) {
                throw new IllegalArgumentException("a reassignment needs original and target replicas");
            }
            requireDistinct(original, "original replicas");
            requireDistinct(target, "target replicas");
        }

        /** Target replicas not among the original ones (Kafka's adding replicas). */
        public List<Integer> adding() {
            List<Integer> out = new ArrayList<>(target);
            out.removeAll(original);
            return out;
        }

        /** Original replicas not among the target ones (Kafka's removing replicas). */
        public List<Integer> removing() {
            List<Integer> out = new ArrayList<>(original);
            out.removeAll(target);
            return out;
        }

        /** The replicas while the move runs: the original ones, then those being added. */
        public List<Integer> merged() {
            List<Integer> out = new ArrayList<>(original);
            out.addAll(adding());
            return out;
        }
    }

    /** A state without a reassignment in progress. */
    public PartitionState(UUID topicId, int leaderNodeId, int leaderEpoch, int partitionEpoch,
                          List<Integer> replicas, List<Integer> isr) {
        this(topicId, leaderNodeId, leaderEpoch, partitionEpoch, replicas, isr, null);
    }

    public PartitionState {
        Objects.requireNonNull(topicId, "topicId");
        if (leaderEpoch < 0 || partitionEpoch < 0) {
            throw new IllegalArgumentException("epochs must be >= 0, got leaderEpoch " + leaderEpoch
                    + ", partitionEpoch " + partitionEpoch);
        }
        replicas = List.copyOf(replicas);
        isr = List.copyOf(isr);
        if (replicas.isEmpty()) {
            throw new IllegalArgumentException("a partition needs at least one replica");
        }
        requireDistinct(replicas, "replicas");
        if (isr.isEmpty()) {
            throw new IllegalArgumentException("the ISR needs at least one member");
        }
        requireDistinct(isr, "isr");
        if (!replicas.containsAll(isr)) {
            throw new IllegalArgumentException("isr " + isr + " is not a subset of replicas " + replicas);
        }
        if (leaderNodeId != NO_LEADER && !isr.contains(leaderNodeId)) {
            throw new IllegalArgumentException("leader " + leaderNodeId + " is not in the isr " + isr);
        }
        if (leaderNodeId < NO_LEADER) {
            throw new IllegalArgumentException("leaderNodeId must be a node id or NO_LEADER, got " + leaderNodeId);
        }
        if (reassignment != null && !new HashSet<>(replicas).equals(new HashSet<>(reassignment.merged()))) {
            throw new IllegalArgumentException("replicas " + replicas + " are not the union of the reassignment's "
                    + reassignment.original() + " and " + reassignment.target());
        }
    }

    private static void requireDistinct(List<Integer> ids, String what) {
        if (new HashSet<>(ids).size() != ids.size()) {
            throw new IllegalArgumentException(what + " must be distinct, got " + ids);
        }
    }

    /** A partition's first state: the first replica leads, every replica is in sync, both epochs 0. */
    public static PartitionState initial(UUID topicId, List<Integer> replicas) {
        return new PartitionState(topicId, replicas.get(0), 0, 0, replicas, replicas);
    }

    public boolean hasLeader() {
        return leaderNodeId != NO_LEADER;
    }

    public boolean isReassigning() {
        return reassignment != null;
    }

    public boolean isReplica(int nodeId) {
        return replicas.contains(nodeId);
    }

    public boolean isInSync(int nodeId) {
        return isr.contains(nodeId);
    }

    /** The replica Kafka calls preferred: the first one. */
    public int preferredLeader() {
        return replicas.get(0);
    }

    /** The next state with another ISR under the same leader: partition epoch + 1. */
    public PartitionState withIsr(List<Integer> newIsr) {
        return new PartitionState(topicId, leaderNodeId, leaderEpoch, partitionEpoch + 1, replicas, newIsr, reassignment);
    }

    /**
     * The next state with a (possibly the same, or no) leader: leader epoch + 1, partition epoch + 1,
     * same replicas.
     */
    public PartitionState withLeader(int newLeader, List<Integer> newIsr) {
        return new PartitionState(topicId, newLeader, leaderEpoch + 1, partitionEpoch + 1, replicas, newIsr, reassignment);
    }

    /**
     * The next state with other replicas (and ISR) under the same leader, and no reassignment in
     * progress: partition epoch + 1.
     */
    public PartitionState withReplicas(List<Integer> newReplicas, List<Integer> newIsr) {
        return new PartitionState(topicId, leaderNodeId, leaderEpoch, partitionEpoch + 1, newReplicas, newIsr, null);
    }

    /**
     * The next state with another (or no) reassignment in progress and the given replicas, ISR and
     * leader: leader epoch + 1 when the leader changes, else partition epoch + 1 only.
     */
    public PartitionState withReassignment(Reassignment next, List<Integer> newReplicas, int newLeader,
                                           List<Integer> newIsr) {
        int nextLeaderEpoch = newLeader == leaderNodeId ? leaderEpoch : leaderEpoch + 1;
        return new PartitionState(topicId, newLeader, nextLeaderEpoch, partitionEpoch + 1, newReplicas, newIsr, next);
    }

    /**
     * This state with both epochs raised to at least {@code floor}'s: used to base a change on the
     * higher of the in-memory and the durable state, so that no epoch is handed out twice.
     */
    public PartitionState withEpochsAtLeast(PartitionState floor) {
        if (floor == null) {
            return this;
        }
        return new PartitionState(topicId, leaderNodeId, Math.max(leaderEpoch, floor.leaderEpoch),
                Math.max(partitionEpoch, floor.partitionEpoch), replicas, isr, reassignment);
    }

    /** Whether this state is newer than {@code other}: higher (leader epoch, partition epoch). */
    public boolean isNewerThan(PartitionState other) {
        return leaderEpoch != other.leaderEpoch ? leaderEpoch > other.leaderEpoch : partitionEpoch > other.partitionEpoch;
    }

    /** Members of {@code ids} that are in {@code keep}, in the order of {@code ids}. */
    static List<Integer> retain(List<Integer> ids, Collection<Integer> keep) {
        List<Integer> out = new ArrayList<>(ids.size());
        for (int id : ids) {
            if (keep.contains(id)) {
                out.add(id);
            }
        }
        return out;
    }

    /**
     * Durable and in-memory format, big-endian. Version 2, written when no reassignment is in progress
     * (so that nodes that predate reassignment still read it):
     * {@code u8 2 | i64 topicId.msb | i64 topicId.lsb | i32 leaderNodeId | i32 leaderEpoch |
     * i32 partitionEpoch | i32 replicaCount | i32 replica * replicaCount | i32 isrCount | i32 isr * isrCount}.
     * Version 3 is version 2 (with {@code u8 3}) followed by
     * {@code i32 originalCount | i32 original * originalCount | i32 targetCount | i32 target * targetCount |
     * i64 startedAtMs}. Version 1 had no partition epoch and no ISR; {@link #fromBytes} still reads it.
     */
    public byte[] toBytes() {
        ByteWriter w = new ByteWriter().writeByte(reassignment == null ? FORMAT_V2 : FORMAT_VERSION).writeUuid(topicId)
                .writeInt(leaderNodeId).writeInt(leaderEpoch).writeInt(partitionEpoch).writeInt(replicas.size());
        replicas.forEach(w::writeInt);
        w.writeInt(isr.size());
        isr.forEach(w::writeInt);
        if (reassignment != null) {
            w.writeInt(reassignment.original().size());
            reassignment.original().forEach(w::writeInt);
            w.writeInt(reassignment.target().size());
            reassignment.target().forEach(w::writeInt);
            w.writeLong(reassignment.startedAtMs());
        }
        return w.toByteArray();
    }

    /**
     * Reads version 2, or version 1 ({@code u8 1 | uuid | i32 leader | i32 leaderEpoch | i32 n | i32 replica * n}):
     * a version-1 state gets partition epoch = leader epoch and the ISR a single-copy partition had:
     * the leader, or the first replica when there was none.
     */
    public static PartitionState fromBytes(byte[] bytes) {
        ByteReader r = new ByteReader(bytes);
        int version = r.readByte();
        if (version != FORMAT_V1 && version != FORMAT_V2 && version != FORMAT_VERSION) {
            throw new CorruptMetadataException("Unknown partition state format version " + version
                    + " (expected " + FORMAT_V1 + " to " + FORMAT_VERSION + ")");
        }
        UUID id = r.readUuid();
        int leader = r.readInt();
        int leaderEpoch = r.readInt();
        int partitionEpoch = version == FORMAT_V1 ? leaderEpoch : r.readInt();
        List<Integer> replicas = readIds(r);
        List<Integer> isr;
        if (version == FORMAT_V1) {
            isr = List.of(leader != NO_LEADER ? leader : replicas.get(0));
        } else {
            isr = readIds(r);
        }
        Reassignment reassignment = null;
        try {
            if (version == FORMAT_VERSION) {
                List<Integer> original = readIds(r);
                List<Integer> target = readIds(r);
                reassignment = new Reassignment(original, target, r.readLong());
            }
            r.expectEnd();
            return new PartitionState(id, leader, leaderEpoch, partitionEpoch, replicas, isr, reassignment);
        } catch (IllegalArgumentException e) {
            throw new CorruptMetadataException("Invalid partition state: " + e.getMessage());
        }
    }

    private static List<Integer> readIds(ByteReader r) {
        int n = r.readCount(4);
        Integer[] ids = new Integer[n];
        for (int i = 0; i < n; i++) {
            ids[i] = r.readInt();
        }
        return List.of(ids);
    }
}
