package io.strata.ingest.group.consumer;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import io.strata.ingest.group.Group;
import io.strata.ingest.group.GroupConfig;
import io.strata.ingest.group.GroupError;
import io.strata.ingest.group.GroupRegistry;
import io.strata.ingest.group.GroupTimer;
import io.strata.ingest.group.GroupType;
import io.strata.ingest.group.TopicCatalog;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Entry point of the consumer group protocol (KIP-848): validates ConsumerGroupHeartbeat requests
 * as Kafka does, then runs them on the group under its monitor. Heartbeats are answered at once.
 * Thread-safe.
 */
public final class ConsumerGroupManager {

    private final GroupRegistry registry;
    private final GroupTimer timer;
    private final GroupConfig config;
    private final TopicCatalog catalog;
    private final Map<String, PartitionAssignor> assignors = new LinkedHashMap<>();

    public ConsumerGroupManager(GroupRegistry registry, GroupTimer timer, GroupConfig config, TopicCatalog catalog) {
        this.registry = registry;
        this.timer = timer;
        this.config = config;
        this.catalog = catalog;
        for (PartitionAssignor a : new PartitionAssignor[] {new UniformAssignor(), new RangeAssignor()}) {
            if (config.consumerAssignors().contains(a.name())) {
                assignors.put(a.name(), a);
            }
        }
        if (assignors.isEmpty() || !assignors.containsKey(config.consumerAssignors().get(0))) {
            throw new IllegalArgumentException("Unknown consumer group assignors " + config.consumerAssignors()
                    + "; available: uniform, range");
        }
    }

    public HeartbeatResult heartbeat(HeartbeatRequest request) {
        if (request.groupId() == null || request.groupId().isEmpty()) {
            return HeartbeatResult.error(GroupError.INVALID_REQUEST, "GroupId can't be empty.");
        }
        if (request.groupInstanceId() != null && request.groupInstanceId().isEmpty()) {
            return HeartbeatResult.error(GroupError.INVALID_REQUEST, "InstanceId can't be empty.");
        }
        if (request.rackId() != null && request.rackId().isEmpty()) {
            return HeartbeatResult.error(GroupError.INVALID_REQUEST, "RackId can't be empty.");
        }
        int epoch = request.memberEpoch();
        if (epoch < HeartbeatRequest.STATIC_LEAVE_EPOCH) {
            return HeartbeatResult.error(GroupError.INVALID_REQUEST, "MemberEpoch " + epoch + " is invalid.");
        }
        if (epoch == HeartbeatRequest.JOIN_EPOCH) {
            if (request.rebalanceTimeoutMs() == -1) {
                return HeartbeatResult.error(GroupError.INVALID_REQUEST,
                        "RebalanceTimeoutMs must be provided in first request.");
            }
            if (request.ownedPartitions() == null || !request.ownedPartitions().isEmpty()) {
                return HeartbeatResult.error(GroupError.INVALID_REQUEST,
                        "TopicPartitions must be empty when (re-)joining.");
            }
            if (request.subscribedTopicNames() == null && request.subscribedTopicRegex() == null) {
                return HeartbeatResult.error(GroupError.INVALID_REQUEST,
                        "SubscribedTopicNames or SubscribedTopicRegex must be set in first request.");
            }
        } else if (request.memberId() == null || request.memberId().isEmpty()) {
            return HeartbeatResult.error(GroupError.INVALID_REQUEST, "MemberId can't be empty.");
        }
        if (request.serverAssignor() != null && !assignors.containsKey(request.serverAssignor())) {
            return HeartbeatResult.error(GroupError.UNSUPPORTED_ASSIGNOR,
                    "ServerAssignor " + request.serverAssignor() + " is not supported. Supported assignors: "
                            + String.join(", ", assignors.keySet()) + ".");
        }
        Pattern regex = null;
        if (request.subscribedTopicRegex() != null && !request.subscribedTopicRegex().isEmpty()) {
            try {
                // RE2/J, as Apache Kafka's coordinator: matching takes linear time whatever pattern a client sends.
                regex = Pattern.compile(request.subscribedTopicRegex());
            } catch (PatternSyntaxException e) {
                return HeartbeatResult.error(GroupError.INVALID_REGULAR_EXPRESSION,
                        "SubscribedTopicRegex " + request.subscribedTopicRegex() + " is not a valid regular expression.");
            }
        }
        HeartbeatRequest effective = request;
        if (epoch == HeartbeatRequest.JOIN_EPOCH && (request.memberId() == null || request.memberId().isEmpty())) {
            // Version 0 clients let the coordinator choose the member id.
            effective = new HeartbeatRequest(request.groupId(), UUID.randomUUID().toString(), epoch,
                    request.groupInstanceId(), request.rackId(), request.rebalanceTimeoutMs(),
                    request.subscribedTopicNames(), request.subscribedTopicRegex(), request.serverAssignor(),
                    request.ownedPartitions(), request.clientId(), request.clientHost());
        }
        while (true) {
            ConsumerGroup group;
            if (epoch == HeartbeatRequest.JOIN_EPOCH) {
                group = registry.getOrCreate(request.groupId(), GroupType.CONSUMER, this::newGroup);
                if (group == null) {
                    return HeartbeatResult.error(GroupError.GROUP_ID_NOT_FOUND,
                            "Group " + request.groupId() + " is not a consumer group.");
                }
            } else {
                group = existing(request.groupId());
                if (group == null) {
                    return HeartbeatResult.error(GroupError.UNKNOWN_MEMBER_ID,
                            "Group " + request.groupId() + " has no member " + request.memberId() + ".");
                }
            }
            synchronized (group) {
                if (group.isDead()) {
                    continue;
                }
                return epoch < 0 ? group.leave(effective) : group.heartbeat(effective, regex);
            }
        }
    }

    public ConsumerGroupDescription describe(String groupId) {
        ConsumerGroup group = existing(groupId);
        if (group == null) {
            return null;
        }
        synchronized (group) {
            return group.isDead() ? null : group.describe();
        }
    }

    /** Offset-commit check (called with the group's monitor held). */
    public static GroupError validateOffsetCommit(ConsumerGroup group, String memberId, int memberEpoch) {
        return group.validateOffsetCommit(memberId, memberEpoch);
    }

    /** Offset-fetch check (called with the group's monitor held). */
    public static GroupError validateOffsetFetch(ConsumerGroup group, String memberId, int memberEpoch) {
        return group.validateOffsetFetch(memberId, memberEpoch);
    }

    private ConsumerGroup existing(String groupId) {
        Group group = registry.get(groupId);
        return group instanceof ConsumerGroup consumer ? consumer : null;
    }

    private ConsumerGroup newGroup(String groupId) {
        return new ConsumerGroup(groupId, timer, config, catalog, assignors);
    }
}
