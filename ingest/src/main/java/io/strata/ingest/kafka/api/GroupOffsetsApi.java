package io.strata.ingest.kafka.api;

import io.strata.ingest.broker.TopicManager;
import io.strata.ingest.group.GroupCoordinator;
import io.strata.ingest.group.GroupError;
import io.strata.ingest.group.OffsetDeleteResult;
import io.strata.ingest.group.OffsetFetchResult;
import io.strata.membership.group.CommittedOffset;
import io.strata.membership.partition.PartitionId;
import io.strata.membership.topic.TopicDescriptor;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponsePartition;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponseTopic;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetDeleteResponseData.OffsetDeleteResponsePartition;
import org.apache.kafka.common.message.OffsetDeleteResponseData.OffsetDeleteResponseTopic;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartition;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartitions;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseTopic;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseTopics;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.OffsetCommitRequest;
import org.apache.kafka.common.requests.OffsetCommitResponse;
import org.apache.kafka.common.requests.OffsetDeleteRequest;
import org.apache.kafka.common.requests.OffsetDeleteResponse;
import org.apache.kafka.common.requests.OffsetFetchRequest;
import org.apache.kafka.common.requests.OffsetFetchResponse;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * OffsetCommit (v2–v10), OffsetFetch (v1–v10, batched from v8, by topic id from v10) and
 * OffsetDelete. Topics are resolved here (by name or id); the coordinator checks the committer
 * against the group and stores the offsets.
 */
public final class GroupOffsetsApi {

    /** Kafka's default offset.metadata.max.bytes. */
    static final int MAX_METADATA_LENGTH = 4096;

    private final GroupCoordinator coordinator;
    private final TopicManager topics;

    public GroupOffsetsApi(GroupCoordinator coordinator, TopicManager topics) {
        this.coordinator = coordinator;
        this.topics = topics;
    }

    // ------------------------------------------------------------------ OffsetCommit

    public OffsetCommitResponse offsetCommit(OffsetCommitRequest request) {
        OffsetCommitRequestData data = request.data();
        short version = request.version();
        boolean byId = OffsetCommitResponse.useTopicIds(version);
        long now = System.currentTimeMillis();
        GroupError groupCheck = coordinator.checkCoordinator(data.groupId());

        Map<PartitionId, CommittedOffset> commit = new LinkedHashMap<>();
        List<OffsetCommitResponsePartition> pending = new ArrayList<>();
        OffsetCommitResponseData response = new OffsetCommitResponseData();
        for (OffsetCommitRequestTopic topic : data.topics()) {
            Optional<TopicDescriptor> descriptor = byId ? topics.topic(topic.topicId()) : topics.topic(topic.name());
            OffsetCommitResponseTopic out = new OffsetCommitResponseTopic();
            if (byId) {
                out.setTopicId(topic.topicId());
            } else {
                out.setName(topic.name());
            }
            response.topics().add(out);
            for (OffsetCommitRequestPartition p : topic.partitions()) {
                OffsetCommitResponsePartition po = new OffsetCommitResponsePartition().setPartitionIndex(p.partitionIndex());
                out.partitions().add(po);
                Errors error = Errors.NONE;
                if (groupCheck != GroupError.NONE) {
                    error = GroupErrors.toKafka(groupCheck);
                } else if (descriptor.isEmpty()) {
                    error = byId ? Errors.UNKNOWN_TOPIC_ID : Errors.UNKNOWN_TOPIC_OR_PARTITION;
                } else if (p.partitionIndex() < 0 || p.partitionIndex() >= descriptor.get().partitions()) {
                    error = Errors.UNKNOWN_TOPIC_OR_PARTITION;
                } else if (p.committedMetadata() != null && p.committedMetadata().length() > MAX_METADATA_LENGTH) {
                    error = Errors.OFFSET_METADATA_TOO_LARGE;
                } else if (p.committedOffset() < 0) {
                    error = Errors.INVALID_COMMIT_OFFSET_SIZE;
                }
                if (error != Errors.NONE) {
                    po.setErrorCode(error.code());
                    continue;
                }
                int leaderEpoch = version >= 6 ? p.committedLeaderEpoch() : CommittedOffset.NO_LEADER_EPOCH;
                commit.put(new PartitionId(descriptor.get().name(), p.partitionIndex()),
                        new CommittedOffset(p.committedOffset(), leaderEpoch, p.committedMetadata(), now));
                pending.add(po);
            }
        }
        if (groupCheck == GroupError.NONE) {
            GroupError error = coordinator.commitOffsets(data.groupId(), data.generationIdOrMemberEpoch(),
                    data.memberId(), version >= 7 ? data.groupInstanceId() : null, commit, version >= 9);
            pending.forEach(po -> po.setErrorCode(GroupErrors.code(error)));
        }
        return new OffsetCommitResponse(response);
    }

    // ------------------------------------------------------------------ OffsetFetch

    public OffsetFetchResponse offsetFetch(OffsetFetchRequest request) {
        short version = request.version();
        boolean byId = OffsetFetchRequest.useTopicIds(version);
        OffsetFetchResponseData response = new OffsetFetchResponseData();
        if (version < OffsetFetchRequest.BATCH_MIN_VERSION) {
            var data = request.data();
            OffsetFetchResponseGroup group = fetchGroup(data.groupId(), null, -1, toTopics(data.topics()), false);
            for (OffsetFetchResponseTopics t : group.topics()) {
                OffsetFetchResponseTopic out = new OffsetFetchResponseTopic().setName(t.name());
                for (OffsetFetchResponsePartitions p : t.partitions()) {
                    OffsetFetchResponsePartition po = new OffsetFetchResponsePartition()
                            .setPartitionIndex(p.partitionIndex()).setCommittedOffset(p.committedOffset())
                            .setMetadata(p.metadata()).setErrorCode(p.errorCode());
                    if (version >= 5) {
                        po.setCommittedLeaderEpoch(p.committedLeaderEpoch());
                    }
                    if (version < 2 && group.errorCode() != Errors.NONE.code()) {
                        po.setErrorCode(group.errorCode());
                    }
                    out.partitions().add(po);
                }
                response.topics().add(out);
            }
            if (version >= 2) {
                response.setErrorCode(group.errorCode());
            }
        } else {
            for (OffsetFetchRequestGroup g : request.data().groups()) {
                response.groups().add(fetchGroup(g.groupId(), version >= 9 ? g.memberId() : null,
                        g.memberEpoch(), g.topics(), byId));
            }
        }
        return new OffsetFetchResponse(response, version);
    }

    private static List<OffsetFetchRequestTopics> toTopics(List<org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopic> topics) {
        if (topics == null) {
            return null;
        }
        List<OffsetFetchRequestTopics> out = new ArrayList<>();
        topics.forEach(t -> out.add(new OffsetFetchRequestTopics().setName(t.name())
                .setPartitionIndexes(t.partitionIndexes())));
        return out;
    }

    /** One group's answer in the v8+ shape (older versions are copied out of it). */
    private OffsetFetchResponseGroup fetchGroup(String groupId, String memberId, int memberEpoch,
                                                List<OffsetFetchRequestTopics> requested, boolean byId) {
        OffsetFetchResponseGroup out = new OffsetFetchResponseGroup().setGroupId(groupId);
        GroupError check = coordinator.checkCoordinator(groupId);
        if (check != GroupError.NONE) {
            return out.setErrorCode(GroupErrors.code(check));
        }
        if (requested == null) {
            OffsetFetchResult result = coordinator.fetchOffsets(groupId, memberId, memberEpoch, null);
            if (result.error() != GroupError.NONE) {
                return out.setErrorCode(GroupErrors.code(result.error()));
            }
            Map<String, Map<Integer, CommittedOffset>> byTopic = new TreeMap<>();
            result.offsets().forEach((tp, o) -> byTopic.computeIfAbsent(tp.topic(), k -> new TreeMap<>())
                    .put(tp.partition(), o));
            byTopic.forEach((name, partitions) -> {
                OffsetFetchResponseTopics t = new OffsetFetchResponseTopics();
                if (byId) {
                    Optional<TopicDescriptor> topic = topics.topic(name);
                    if (topic.isEmpty()) {
                        return;
                    }
                    t.setTopicId(TopicManager.kafkaId(topic.get()));
                } else {
                    t.setName(name);
                }
                partitions.forEach((p, o) -> t.partitions().add(partition(p, o)));
                out.topics().add(t);
            });
            return out;
        }
        List<PartitionId> wanted = new ArrayList<>();
        Map<OffsetFetchRequestTopics, String> names = new LinkedHashMap<>();
        for (OffsetFetchRequestTopics t : requested) {
            String name = t.name();
            if (byId) {
                name = topics.topic(t.topicId()).map(TopicDescriptor::name).orElse(null);
            }
            names.put(t, name);
            if (name != null) {
                for (int p : t.partitionIndexes()) {
                    if (p >= 0) {
                        wanted.add(new PartitionId(name, p));
                    }
                }
            }
        }
        OffsetFetchResult result = coordinator.fetchOffsets(groupId, memberId, memberEpoch, wanted);
        if (result.error() != GroupError.NONE) {
            return out.setErrorCode(GroupErrors.code(result.error()));
        }
        for (OffsetFetchRequestTopics t : requested) {
            String name = names.get(t);
            OffsetFetchResponseTopics topicOut = new OffsetFetchResponseTopics();
            if (byId) {
                topicOut.setTopicId(t.topicId());
            } else {
                topicOut.setName(t.name());
            }
            for (int p : t.partitionIndexes()) {
                if (name == null) {
                    topicOut.partitions().add(partition(p, null).setErrorCode(Errors.UNKNOWN_TOPIC_ID.code()));
                } else {
                    CommittedOffset o = p < 0 ? null : result.offsets().get(new PartitionId(name, p));
                    topicOut.partitions().add(partition(p, o));
                }
            }
            out.topics().add(topicOut);
        }
        return out;
    }

    private static OffsetFetchResponsePartitions partition(int partition, CommittedOffset offset) {
        OffsetFetchResponsePartitions out = new OffsetFetchResponsePartitions().setPartitionIndex(partition);
        if (offset == null) {
            return out.setCommittedOffset(OffsetFetchResponse.INVALID_OFFSET).setCommittedLeaderEpoch(-1)
                    .setMetadata(OffsetFetchResponse.NO_METADATA);
        }
        return out.setCommittedOffset(offset.offset()).setCommittedLeaderEpoch(offset.leaderEpoch())
                .setMetadata(offset.metadata() == null ? OffsetFetchResponse.NO_METADATA : offset.metadata());
    }

    // ------------------------------------------------------------------ OffsetDelete

    public OffsetDeleteResponse offsetDelete(OffsetDeleteRequest request) {
        OffsetDeleteRequestData data = request.data();
        OffsetDeleteResponseData response = new OffsetDeleteResponseData();
        GroupError check = coordinator.checkCoordinator(data.groupId());
        if (check != GroupError.NONE) {
            return new OffsetDeleteResponse(response.setErrorCode(GroupErrors.code(check)));
        }
        List<PartitionId> partitions = new ArrayList<>();
        Map<PartitionId, OffsetDeleteResponsePartition> outputs = new LinkedHashMap<>();
        for (OffsetDeleteRequestData.OffsetDeleteRequestTopic topic : data.topics()) {
            OffsetDeleteResponseTopic out = new OffsetDeleteResponseTopic().setName(topic.name());
            response.topics().add(out);
            Optional<TopicDescriptor> descriptor = topics.topic(topic.name());
            for (OffsetDeleteRequestData.OffsetDeleteRequestPartition p : topic.partitions()) {
                OffsetDeleteResponsePartition po = new OffsetDeleteResponsePartition().setPartitionIndex(p.partitionIndex());
                if (out.partitions().find(p.partitionIndex()) != null) {
                    continue;
                }
                out.partitions().add(po);
                if (descriptor.isEmpty() || p.partitionIndex() < 0 || p.partitionIndex() >= descriptor.get().partitions()) {
                    po.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
                } else {
                    PartitionId id = new PartitionId(topic.name(), p.partitionIndex());
                    partitions.add(id);
                    outputs.put(id, po);
                }
            }
        }
        OffsetDeleteResult result = coordinator.deleteOffsets(data.groupId(), partitions);
        if (result.error() != GroupError.NONE) {
            return new OffsetDeleteResponse(new OffsetDeleteResponseData().setErrorCode(GroupErrors.code(result.error())));
        }
        result.partitions().forEach((id, error) -> outputs.get(id).setErrorCode(GroupErrors.code(error)));
        return new OffsetDeleteResponse(response);
    }

    static Uuid topicId(TopicManager topics, String name) {
        return topics.topic(name).map(TopicManager::kafkaId).orElse(Uuid.ZERO_UUID);
    }
}
