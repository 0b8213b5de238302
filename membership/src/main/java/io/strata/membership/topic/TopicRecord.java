package io.strata.membership.topic;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What the cluster stores about a topic: its descriptor, the replication factor its partitions are
 * assigned with and, when the creator gave one (Kafka CreateTopics {@code assignments}), the manual
 * replica assignment. Initial partition states are derived from this record only (and, for a
 * computed assignment, the live nodes), so the creating node and the controller produce the same
 * states.
 *
 * <p>Invariants: {@code replicationFactor >= 0}; a non-empty {@code replicaAssignment} has the keys
 * {@code 0..n-1} with {@code n <= partitions}, each list non-empty, distinct, of node ids {@code >= 0},
 * all of one size, which is then the replication factor. Immutable.
 *
 * @param descriptor        the topic
 * @param replicationFactor replicas per partition requested at creation; {@link #DEFAULT_REPLICATION}
 *                          for the cluster default
 * @param replicaAssignment partition to replicas (preferred leader first); empty when computed.
 *                          Partitions added later (beyond its keys) get computed assignments.
 */
public record TopicRecord(TopicDescriptor descriptor, int replicationFactor, Map<Integer, List<Integer>> replicaAssignment) {

    public static final int DEFAULT_REPLICATION = 0;

    public TopicRecord {
        Objects.requireNonNull(descriptor, "descriptor");
        if (replicationFactor < 0) {
            throw new IllegalArgumentException("replicationFactor must be >= 0");
        }
        Map<Integer, List<Integer>> copy = new TreeMap<>();
        replicaAssignment.forEach((p, replicas) -> copy.put(p, List.copyOf(replicas)));
        if (!copy.isEmpty()) {
            int rf = copy.values().iterator().next().size();
            for (int p = 0; p < copy.size(); p++) {
                List<Integer> replicas = copy.get(p);
                if (replicas == null) {
                    throw new IllegalArgumentException("Replica assignment must number partitions consecutively from 0, got "
                            + copy.keySet());
                }
                if (replicas.isEmpty() || replicas.size() != rf || new HashSet<>(replicas).size() != rf
                        || replicas.stream().anyMatch(id -> id < 0)) {
                    throw new IllegalArgumentException("Replica assignment of partition " + p + " must name " + rf
                            + " distinct node ids, got " + replicas);
                }
            }
            if (copy.size() > descriptor.partitions()) {
                throw new IllegalArgumentException("Replica assignment names " + copy.size() + " partitions, the topic has "
                        + descriptor.partitions());
            }
            if (replicationFactor != DEFAULT_REPLICATION && replicationFactor != rf) {
                throw new IllegalArgumentException("Replication factor " + replicationFactor
                        + " does not match the replica assignment (" + rf + " replicas)");
            }
            replicationFactor = rf;
        }
        replicaAssignment = java.util.Collections.unmodifiableMap(copy);
    }

    /** A record with a computed assignment. */
    public TopicRecord(TopicDescriptor descriptor, int replicationFactor) {
        this(descriptor, replicationFactor, Map.of());
    }

    /** The manual replicas of a partition, null when its assignment is computed. */
    public List<Integer> manualReplicas(int partition) {
        return replicaAssignment.get(partition);
    }

    /** The same record for an updated descriptor (same id): replication factor and assignment stay. */
    public TopicRecord withDescriptor(TopicDescriptor updated) {
        return new TopicRecord(updated, replicationFactor, replicaAssignment);
    }
}
