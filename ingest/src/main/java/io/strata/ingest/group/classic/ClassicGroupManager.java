package io.strata.ingest.group.classic;

import io.strata.ingest.group.Group;
import io.strata.ingest.group.GroupConfig;
import io.strata.ingest.group.GroupError;
import io.strata.ingest.group.GroupRegistry;
import io.strata.ingest.group.GroupTimer;
import io.strata.ingest.group.GroupType;
import io.strata.ingest.group.SubscriptionDecoder;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Entry point of the classic protocol: validates requests, finds (or creates) the group and runs the
 * operation on it under its monitor. Thread-safe.
 */
public final class ClassicGroupManager {

    private final GroupRegistry registry;
    private final GroupTimer timer;
    private final GroupConfig config;
    private final SubscriptionDecoder subscriptions;

    public ClassicGroupManager(GroupRegistry registry, GroupTimer timer, GroupConfig config,
                               SubscriptionDecoder subscriptions) {
        this.registry = registry;
        this.timer = timer;
        this.config = config;
        this.subscriptions = subscriptions;
    }

    public CompletableFuture<JoinResult> join(JoinRequest request) {
        CompletableFuture<JoinResult> result = new CompletableFuture<>();
        if (request.groupId() == null || request.groupId().isEmpty()) {
            result.complete(JoinResult.error(GroupError.INVALID_GROUP_ID, request.memberId()));
            return result;
        }
        if (request.sessionTimeoutMs() < config.minSessionTimeoutMs()
                || request.sessionTimeoutMs() > config.maxSessionTimeoutMs()) {
            result.complete(JoinResult.error(GroupError.INVALID_SESSION_TIMEOUT, request.memberId()));
            return result;
        }
        boolean newMember = request.memberId().isEmpty();
        while (true) {
            ClassicGroup group;
            if (newMember) {
                group = registry.getOrCreate(request.groupId(), GroupType.CLASSIC, this::newGroup);
                if (group == null) {
                    // The id belongs to a consumer (KIP-848) group with members.
                    result.complete(JoinResult.error(GroupError.INCONSISTENT_GROUP_PROTOCOL, request.memberId()));
                    return result;
                }
            } else {
                group = existing(request.groupId());
                if (group == null) {
                    result.complete(JoinResult.error(GroupError.UNKNOWN_MEMBER_ID, request.memberId()));
                    return result;
                }
            }
            synchronized (group) {
                if (group.isDead()) {
                    continue;
                }
                group.join(request, result, config.maxGroupSize());
                return result;
            }
        }
    }

    public CompletableFuture<SyncResult> sync(SyncRequest request) {
        CompletableFuture<SyncResult> result = new CompletableFuture<>();
        ClassicGroup group = existing(request.groupId());
        if (group == null) {
            result.complete(SyncResult.error(GroupError.UNKNOWN_MEMBER_ID));
            return result;
        }
        synchronized (group) {
            if (group.isDead()) {
                result.complete(SyncResult.error(GroupError.COORDINATOR_NOT_AVAILABLE));
            } else {
                group.sync(request, result);
            }
        }
        return result;
    }

    public GroupError heartbeat(String groupId, String memberId, String groupInstanceId, int generationId) {
        ClassicGroup group = existing(groupId);
        if (group == null) {
            return GroupError.UNKNOWN_MEMBER_ID;
        }
        synchronized (group) {
            return group.isDead() ? GroupError.COORDINATOR_NOT_AVAILABLE
                    : group.heartbeat(memberId, groupInstanceId, generationId);
        }
    }

    public LeaveResult leave(String groupId, List<LeaveResult.LeavingMember> members) {
        ClassicGroup group = existing(groupId);
        if (group == null) {
            return new LeaveResult(GroupError.UNKNOWN_MEMBER_ID, List.of());
        }
        synchronized (group) {
            if (group.isDead()) {
                return new LeaveResult(GroupError.COORDINATOR_NOT_AVAILABLE, List.of());
            }
            return group.leave(members);
        }
    }

    /** Offset-commit check against a classic group's generation and members (called with the monitor held). */
    public static GroupError validateOffsetCommit(ClassicGroup group, String memberId, String groupInstanceId,
                                                  int generationId) {
        return group.validateOffsetCommit(memberId, groupInstanceId, generationId);
    }

    private ClassicGroup existing(String groupId) {
        Group group = registry.get(groupId);
        return group instanceof ClassicGroup classic ? classic : null;
    }

    private ClassicGroup newGroup(String groupId) {
        return new ClassicGroup(groupId, timer, config, subscriptions);
    }
}
