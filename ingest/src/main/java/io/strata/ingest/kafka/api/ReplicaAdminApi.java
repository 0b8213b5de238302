package io.strata.ingest.kafka.api;

import io.strata.ingest.broker.TopicManager;
import io.strata.membership.partition.ElectionResult;
import io.strata.membership.partition.PartitionAssigner;
import io.strata.membership.partition.PartitionId;
import io.strata.membership.partition.PartitionState;
import io.strata.membership.partition.ReassignmentResult;
import io.strata.membership.topic.TopicDescriptor;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData.ReassignablePartition;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData.ReassignableTopic;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData.ReassignablePartitionResponse;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData.ReassignableTopicResponse;
import org.apache.kafka.common.message.ElectLeadersRequestData.TopicPartitions;
import org.apache.kafka.common.message.ElectLeadersResponseData;
import org.apache.kafka.common.message.ElectLeadersResponseData.PartitionResult;
import org.apache.kafka.common.message.ElectLeadersResponseData.ReplicaElectionResult;
import org.apache.kafka.common.message.ListPartitionReassignmentsRequestData.ListPartitionReassignmentsTopics;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData.OngoingPartitionReassignment;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData.OngoingTopicReassignment;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AlterPartitionReassignmentsRequest;
import org.apache.kafka.common.requests.AlterPartitionReassignmentsResponse;
import org.apache.kafka.common.requests.ElectLeadersRequest;
import org.apache.kafka.common.requests.ElectLeadersResponse;
import org.apache.kafka.common.requests.ListPartitionReassignmentsRequest;
import org.apache.kafka.common.requests.ListPartitionReassignmentsResponse;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The replica admin APIs: ElectLeaders ({@code kafka-leader-election}), AlterPartitionReassignments
 * and ListPartitionReassignments ({@code kafka-reassign-partitions}, KIP-455). Any node answers: the
 * changes are compare-and-sets on the cluster's partition states ({@link PartitionAssigner}), and the
 * controller carries a reassignment to completion. Calls wait on the cluster, so they run on a
 * connection's blocking thread. Stateless and thread-safe.
 */
public final class ReplicaAdminApi {

    private static final Logger LOG = Logger.getLogger(ReplicaAdminApi.class);

    private final TopicManager topics;
    private final PartitionAssigner assigner;

    public ReplicaAdminApi(TopicManager topics, PartitionAssigner assigner) {
        this.topics = topics;
        this.assigner = assigner;
    }

    // ------------------------------------------------------------------ ElectLeaders

    /**
     * Elects the preferred (or, with UNCLEAN, any live) replica for each named partition; no partitions
     * named means every partition, and then only partitions that needed an election are reported, as
     * Kafka's controller does.
     */
    public ElectLeadersResponse electLeaders(ElectLeadersRequest request) {
        ElectionType type;
        try {
            type = request.version() == 0 ? ElectionType.PREFERRED : ElectionType.valueOf(request.data().electionType());
        } catch (IllegalArgumentException unknownType) {
            // Only v1+ names a type, and v1+ responses carry a top-level error.
            return new ElectLeadersResponse(0, Errors.INVALID_REQUEST.code(), List.of(), request.version());
        }
        boolean all = request.data().topicPartitions() == null;
        Map<String, List<Integer>> wanted = new TreeMap<>();
        if (all) {
            for (TopicDescriptor t : topics.topics()) {
                List<Integer> ps = new ArrayList<>();
                for (int p = 0; p < t.partitions(); p++) {
                    ps.add(p);
                }
                wanted.put(t.name(), ps);
            }
        } else {
            for (TopicPartitions tp : request.data().topicPartitions()) {
                wanted.computeIfAbsent(tp.topic(), k -> new ArrayList<>()).addAll(tp.partitions());
            }
        }
        List<ReplicaElectionResult> results = new ArrayList<>();
        wanted.forEach((topic, partitions) -> {
            ReplicaElectionResult topicResult = new ReplicaElectionResult().setTopic(topic);
            for (int p : partitions) {
                PartitionResult out = elect(type, topic, p);
                if (!(all && out.errorCode() == Errors.ELECTION_NOT_NEEDED.code())) {
                    topicResult.partitionResult().add(out);
                }
            }
            if (!topicResult.partitionResult().isEmpty()) {
                results.add(topicResult);
            }
        });
        return new ElectLeadersResponse(0, Errors.NONE.code(), results, request.version());
    }

    private PartitionResult elect(ElectionType type, String topic, int partition) {
        PartitionResult out = new PartitionResult().setPartitionId(partition);
        Optional<TopicDescriptor> descriptor = topics.topic(topic);
        if (partition < 0 || descriptor.isEmpty() || partition >= descriptor.get().partitions()) {
            return out.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code())
                    .setErrorMessage("No partition " + topic + "-" + partition + " exists.");
        }
        PartitionId id = new PartitionId(topic, partition);
        try {
            ElectionResult r = type == ElectionType.UNCLEAN ? assigner.electUnclean(id) : assigner.electPreferred(id);
            Errors error = switch (r.status()) {
                case ELECTED -> Errors.NONE;
                case ELECTION_NOT_NEEDED -> Errors.ELECTION_NOT_NEEDED;
                case PREFERRED_LEADER_NOT_AVAILABLE -> Errors.PREFERRED_LEADER_NOT_AVAILABLE;
                case ELIGIBLE_LEADERS_NOT_AVAILABLE -> Errors.ELIGIBLE_LEADERS_NOT_AVAILABLE;
                case UNKNOWN_TOPIC_OR_PARTITION -> Errors.UNKNOWN_TOPIC_OR_PARTITION;
            };
            return out.setErrorCode(error.code()).setErrorMessage(error == Errors.NONE ? null : r.message());
        } catch (RuntimeException e) {
            return failed(out, e, "Election of " + id);
        }
    }

    private static PartitionResult failed(PartitionResult out, RuntimeException e, String what) {
        Errors error = clusterError(e, what);
        return out.setErrorCode(error.code()).setErrorMessage(e.getMessage());
    }

    // ------------------------------------------------------------------ AlterPartitionReassignments

    /**
     * Starts, redirects or cancels (replicas null) the reassignment of each named partition. With
     * {@code allowReplicationFactorChange} false (KIP-860) a target of another size than the original
     * replicas is refused with INVALID_REPLICATION_FACTOR.
     */
    public AlterPartitionReassignmentsResponse alterPartitionReassignments(AlterPartitionReassignmentsRequest request) {
        boolean allowRfChange = request.data().allowReplicationFactorChange();
        AlterPartitionReassignmentsResponseData data = new AlterPartitionReassignmentsResponseData()
                .setErrorCode(Errors.NONE.code()).setAllowReplicationFactorChange(allowRfChange);
        for (ReassignableTopic t : request.data().topics()) {
            ReassignableTopicResponse topicResponse = new ReassignableTopicResponse().setName(t.name());
            Optional<TopicDescriptor> topic = topics.topic(t.name());
            for (ReassignablePartition p : t.partitions()) {
                ReassignablePartitionResponse out = new ReassignablePartitionResponse().setPartitionIndex(p.partitionIndex());
                if (topic.isEmpty() || p.partitionIndex() < 0 || p.partitionIndex() >= topic.get().partitions()) {
                    out.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code())
                            .setErrorMessage("No partition " + t.name() + "-" + p.partitionIndex() + " exists.");
                } else {
                    reassign(new PartitionId(t.name(), p.partitionIndex()), p.replicas(), allowRfChange, out);
                }
                topicResponse.partitions().add(out);
            }
            data.responses().add(topicResponse);
        }
        return new AlterPartitionReassignmentsResponse(data);
    }

    private void reassign(PartitionId id, List<Integer> target, boolean allowRfChange, ReassignablePartitionResponse out) {
        try {
            if (target != null && !allowRfChange) {
                Optional<PartitionState> st = topics.topic(id.topic())
                        .map(t -> topics.partitionStates(t).get(id));
                int current = st.map(s -> s.isReassigning() ? s.reassignment().original().size() : s.replicas().size())
                        .orElse(target.size());
                if (current != target.size()) {
                    out.setErrorCode(Errors.INVALID_REPLICATION_FACTOR.code()).setErrorMessage("The target replicas "
                            + target + " of " + id + " change its replication factor " + current
                            + ", and allowReplicationFactorChange is false.");
                    return;
                }
            }
            ReassignmentResult r = assigner.alterReassignment(id, target);
            Errors error = switch (r.status()) {
                case ACCEPTED -> Errors.NONE;
                case UNKNOWN_TOPIC_OR_PARTITION -> Errors.UNKNOWN_TOPIC_OR_PARTITION;
                case NO_REASSIGNMENT_IN_PROGRESS -> Errors.NO_REASSIGNMENT_IN_PROGRESS;
                case INVALID_REPLICA_ASSIGNMENT -> Errors.INVALID_REPLICA_ASSIGNMENT;
                case REJECTED -> Errors.REASSIGNMENT_IN_PROGRESS;
            };
            out.setErrorCode(error.code()).setErrorMessage(error == Errors.NONE ? null : r.message());
        } catch (RuntimeException e) {
            Errors error = clusterError(e, "Reassignment of " + id);
            out.setErrorCode(error.code()).setErrorMessage(e.getMessage());
        }
    }

    // ------------------------------------------------------------------ ListPartitionReassignments

    /** The reassignments in progress, of the named partitions or (topics null) of all. */
    public ListPartitionReassignmentsResponse listPartitionReassignments(ListPartitionReassignmentsRequest request) {
        ListPartitionReassignmentsResponseData data = new ListPartitionReassignmentsResponseData()
                .setErrorCode(Errors.NONE.code());
        Map<PartitionId, PartitionState> ongoing;
        try {
            ongoing = assigner.reassignments();
        } catch (RuntimeException e) {
            Errors error = clusterError(e, "Listing reassignments");
            return new ListPartitionReassignmentsResponse(data.setErrorCode(error.code()).setErrorMessage(e.getMessage()));
        }
        Map<String, List<Integer>> wanted = null;
        if (request.data().topics() != null) {
            wanted = new TreeMap<>();
            for (ListPartitionReassignmentsTopics t : request.data().topics()) {
                wanted.computeIfAbsent(t.name(), k -> new ArrayList<>()).addAll(t.partitionIndexes());
            }
        }
        Map<String, OngoingTopicReassignment> byTopic = new TreeMap<>();
        for (Map.Entry<PartitionId, PartitionState> e : new TreeMap<>(ongoingByKey(ongoing)).values()) {
            PartitionId id = e.getKey();
            if (wanted != null && !wanted.getOrDefault(id.topic(), List.of()).contains(id.partition())) {
                continue;
            }
            PartitionState.Reassignment r = e.getValue().reassignment();
            byTopic.computeIfAbsent(id.topic(), n -> new OngoingTopicReassignment().setName(n)).partitions()
                    .add(new OngoingPartitionReassignment().setPartitionIndex(id.partition())
                            .setReplicas(e.getValue().replicas()).setAddingReplicas(r.adding())
                            .setRemovingReplicas(r.removing()));
        }
        data.setTopics(new ArrayList<>(byTopic.values()));
        return new ListPartitionReassignmentsResponse(data);
    }

    /** Sorted by topic, then partition number. */
    private static Map<String, Map.Entry<PartitionId, PartitionState>> ongoingByKey(Map<PartitionId, PartitionState> ongoing) {
        Map<String, Map.Entry<PartitionId, PartitionState>> out = new TreeMap<>();
        ongoing.entrySet().forEach(e -> out.put(e.getKey().topic() + "\u0000" + String.format("%010d", e.getKey().partition()), e));
        return out;
    }

    /** Error code of a cluster call that failed (typically no metadata quorum). */
    private static Errors clusterError(RuntimeException e, String what) {
        Errors error = Errors.forException(e);
        if (error == Errors.UNKNOWN_SERVER_ERROR) {
            LOG.warnf("%s failed: %s", what, e.toString());
            // The cluster is not writable right now: a retriable answer.
            error = e instanceof InvalidRequestException ? Errors.INVALID_REQUEST : Errors.REQUEST_TIMED_OUT;
        }
        return error;
    }
}
