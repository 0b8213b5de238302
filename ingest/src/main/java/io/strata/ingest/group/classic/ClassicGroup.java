package io.strata.ingest.group.classic;

import io.strata.ingest.group.Group;
import io.strata.ingest.group.GroupConfig;
import io.strata.ingest.group.GroupError;
import io.strata.ingest.group.GroupTimer;
import io.strata.ingest.group.GroupType;
import io.strata.ingest.group.SubscriptionDecoder;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * A classic group (JoinGroup / SyncGroup / Heartbeat / LeaveGroup) and its rebalance state machine,
 * modelled on Kafka's GroupCoordinator:
 * <pre>
 *   Empty ──join──▶ PreparingRebalance ──all joined / timeout──▶ CompletingRebalance ──leader syncs──▶ Stable
 *                        ▲                                               │                          │
 *                        └────────── join, leave, expiry ────────────────┴──────────────────────────┘
 * </pre>
 * JoinGroup answers wait (as futures, never blocking a thread) until the rebalance completes;
 * SyncGroup answers wait for the leader's assignment. Deadlines: session timeout per member,
 * rebalance timeout for joining (members that do not rejoin are removed) and for syncing (members
 * that never sync are removed), and the initial rebalance delay of a group's first generation.
 *
 * <p>Every method must be called with the group's monitor held; timer tasks take it themselves.
 */
public final class ClassicGroup extends Group {

    private static final Logger LOG = Logger.getLogger(ClassicGroup.class);
    /** How long a new member may wait in a join before it must rejoin (Kafka's NewMemberJoinTimeoutMs). */
    static final int NEW_MEMBER_JOIN_TIMEOUT_MS = 5 * 60 * 1000;

    private final GroupTimer timer;
    private final GroupConfig config;
    private final SubscriptionDecoder subscriptions;

    private ClassicGroupState state = ClassicGroupState.EMPTY;
    private String protocolType = "";
    private String protocolName;
    private int generationId;
    private String leaderId;
    private final Map<String, ClassicMember> members = new LinkedHashMap<>();
    private final Map<String, String> staticMembers = new HashMap<>();
    private final Set<String> pendingMembers = new HashSet<>();
    private final Set<String> pendingSyncMembers = new HashSet<>();
    private final Map<String, Integer> protocolSupport = new HashMap<>();
    private boolean newMemberAdded;
    /** Identifies the current join phase, so a stale timer does nothing. */
    private long joinPhase;
    private GroupTimer.Cancellable joinTimer;
    private GroupTimer.Cancellable syncTimer;
    /** The first join phase of an empty group waits for more members and is not completed early. */
    private boolean initialDelayActive;

    public ClassicGroup(String groupId, GroupTimer timer, GroupConfig config, SubscriptionDecoder subscriptions) {
        super(groupId);
        this.timer = timer;
        this.config = config;
        this.subscriptions = subscriptions;
    }

    // ------------------------------------------------------------------ views

    @Override
    public GroupType type() {
        return GroupType.CLASSIC;
    }

    @Override
    public boolean isEmpty() {
        return members.isEmpty() && pendingMembers.isEmpty();
    }

    @Override
    public String stateName() {
        return isDead() ? ClassicGroupState.DEAD.label() : state.label();
    }

    public ClassicGroupState state() {
        return isDead() ? ClassicGroupState.DEAD : state;
    }

    @Override
    public String protocolType() {
        return protocolType;
    }

    public int generationId() {
        return generationId;
    }

    public String leaderId() {
        return leaderId;
    }

    public String protocolName() {
        return protocolName;
    }

    public Set<String> memberIds() {
        return Set.copyOf(members.keySet());
    }

    @Override
    public Set<String> subscribedTopics() {
        Set<String> topics = new HashSet<>();
        if (protocolName == null) {
            for (ClassicMember m : members.values()) {
                for (JoinRequest.Protocol p : m.protocols) {
                    topics.addAll(subscriptions.subscribedTopics(protocolType, p.metadata()));
                }
            }
        } else {
            for (ClassicMember m : members.values()) {
                topics.addAll(subscriptions.subscribedTopics(protocolType, m.metadata(protocolName)));
            }
        }
        return topics;
    }

    public ClassicGroupDescription describe() {
        List<ClassicGroupDescription.Member> described = new ArrayList<>();
        boolean stable = state == ClassicGroupState.STABLE && !isDead();
        for (ClassicMember m : members.values()) {
            described.add(new ClassicGroupDescription.Member(m.memberId, m.groupInstanceId, m.clientId, m.clientHost,
                    stable ? m.metadata(protocolName) : new byte[0], stable ? m.assignment : new byte[0]));
        }
        return new ClassicGroupDescription(groupId(), stateName(), protocolType,
                stable && protocolName != null ? protocolName : "", described);
    }

    // ------------------------------------------------------------------ JoinGroup

    /** Handles a JoinGroup; the result completes when the rebalance does (or at once on errors). */
    void join(JoinRequest request, CompletableFuture<JoinResult> result, int maxGroupSize) {
        if (request.memberId().isEmpty()) {
            joinNewMember(request, result, maxGroupSize);
        } else {
            joinKnownMember(request, result);
        }
        if (state == ClassicGroupState.PREPARING_REBALANCE) {
            tryCompleteJoin();
        }
    }

    private void joinNewMember(JoinRequest request, CompletableFuture<JoinResult> result, int maxGroupSize) {
        if (!supportsProtocols(request.protocolType(), request.protocols())) {
            result.complete(JoinResult.error(GroupError.INCONSISTENT_GROUP_PROTOCOL, ""));
            return;
        }
        boolean replacingStatic = request.groupInstanceId() != null && staticMembers.containsKey(request.groupInstanceId());
        if (!replacingStatic && members.size() + pendingMembers.size() >= maxGroupSize) {
            result.complete(JoinResult.error(GroupError.GROUP_MAX_SIZE_REACHED, ""));
            return;
        }
        String newMemberId = request.clientId() + "-" + UUID.randomUUID();
        if (request.groupInstanceId() != null) {
            String oldMemberId = staticMembers.get(request.groupInstanceId());
            if (oldMemberId == null) {
                addMemberAndRebalance(request, newMemberId, result);
            } else {
                replaceStaticMember(request, oldMemberId, newMemberId, result);
            }
        } else if (request.requireKnownMemberId()) {
            // Two-step join: the member learns its id first, so a retried join cannot create a ghost member.
            pendingMembers.add(newMemberId);
            long phase = joinPhase;
            timer.schedule(request.sessionTimeoutMs(), () -> {
                synchronized (this) {
                    if (!isDead() && pendingMembers.remove(newMemberId)) {
                        LOG.debugf("Group %s: pending member %s did not rejoin in time", groupId(), newMemberId);
                        if (state == ClassicGroupState.PREPARING_REBALANCE && phase == joinPhase) {
                            tryCompleteJoin();
                        }
                    }
                }
            });
            result.complete(JoinResult.error(GroupError.MEMBER_ID_REQUIRED, newMemberId));
        } else {
            addMemberAndRebalance(request, newMemberId, result);
        }
    }

    private void joinKnownMember(JoinRequest request, CompletableFuture<JoinResult> result) {
        String memberId = request.memberId();
        if (!supportsProtocols(request.protocolType(), request.protocols())) {
            result.complete(JoinResult.error(GroupError.INCONSISTENT_GROUP_PROTOCOL, memberId));
            return;
        }
        if (pendingMembers.contains(memberId)) {
            addMemberAndRebalance(request, memberId, result);
            return;
        }
        if (isStaticMemberFenced(request.groupInstanceId(), memberId)) {
            result.complete(JoinResult.error(GroupError.FENCED_INSTANCE_ID, memberId));
            return;
        }
        ClassicMember member = members.get(memberId);
        if (member == null) {
            result.complete(JoinResult.error(GroupError.UNKNOWN_MEMBER_ID, memberId));
            return;
        }
        switch (state) {
            case PREPARING_REBALANCE -> updateMemberAndRebalance(member, request, result);
            case COMPLETING_REBALANCE -> {
                if (member.matches(request.protocols())) {
                    // A retried join (the answer was lost): repeat the current generation.
                    result.complete(currentGeneration(member, true));
                } else {
                    updateMemberAndRebalance(member, request, result);
                }
            }
            case STABLE -> {
                if (memberId.equals(leaderId) || !member.matches(request.protocols())) {
                    // The leader rejoins to trigger a rebalance (e.g. topic metadata changed), or metadata changed.
                    updateMemberAndRebalance(member, request, result);
                } else {
                    result.complete(currentGeneration(member, false));
                }
            }
            default -> result.complete(JoinResult.error(GroupError.UNKNOWN_MEMBER_ID, memberId));
        }
    }

    private JoinResult currentGeneration(ClassicMember member, boolean withMembersIfLeader) {
        boolean leader = member.memberId.equals(leaderId);
        return new JoinResult(GroupError.NONE, generationId, protocolType, protocolName, leaderId, member.memberId,
                false, leader && withMembersIfLeader ? memberMetadata() : List.of());
    }

    private void replaceStaticMember(JoinRequest request, String oldMemberId, String newMemberId,
                                     CompletableFuture<JoinResult> result) {
        ClassicMember old = members.get(oldMemberId);
        String currentLeader = leaderId;
        if (old.awaitingJoin != null) {
            old.awaitingJoin.complete(JoinResult.error(GroupError.FENCED_INSTANCE_ID, oldMemberId));
            old.awaitingJoin = null;
        }
        if (old.awaitingSync != null) {
            old.awaitingSync.complete(SyncResult.error(GroupError.FENCED_INSTANCE_ID));
            old.awaitingSync = null;
        }
        old.cancelSessionTimer();
        ClassicMember member = old.withId(newMemberId);
        members.remove(oldMemberId);
        members.put(newMemberId, member);
        staticMembers.put(member.groupInstanceId, newMemberId);
        if (oldMemberId.equals(leaderId)) {
            leaderId = newMemberId;
        }
        if (pendingSyncMembers.remove(oldMemberId)) {
            pendingSyncMembers.add(newMemberId);
        }
        updateMember(member, request, result);
        touch(member);
        switch (state) {
            case STABLE -> {
                if (protocolName != null && protocolName.equals(selectProtocol())) {
                    // Same assignment still valid: answer without a rebalance. The old leader id is returned so
                    // that the replaced leader does not compute an assignment a stable group would not deliver.
                    member.awaitingJoin = null;
                    result.complete(new JoinResult(GroupError.NONE, generationId, protocolType, protocolName,
                            currentLeader, newMemberId, false, List.of()));
                } else {
                    prepareRebalance("static member " + member.groupInstanceId + " rejoined with new protocols");
                }
            }
            case COMPLETING_REBALANCE ->
                    prepareRebalance("static member " + member.groupInstanceId + " rejoined during the sync phase");
            default -> {
                // Preparing: the join completes with the rebalance.
            }
        }
    }

    private void addMemberAndRebalance(JoinRequest request, String memberId, CompletableFuture<JoinResult> result) {
        ClassicMember member = new ClassicMember(memberId, request.groupInstanceId(), request.clientId(),
                request.clientHost(), request.sessionTimeoutMs(), request.rebalanceTimeoutMs(), request.protocolType(),
                request.protocols());
        member.isNew = true;
        if (state == ClassicGroupState.PREPARING_REBALANCE && generationId == 0) {
            newMemberAdded = true;
        }
        pendingMembers.remove(memberId);
        if (members.isEmpty()) {
            protocolType = request.protocolType();
        }
        members.put(memberId, member);
        if (member.groupInstanceId != null) {
            staticMembers.put(member.groupInstanceId, memberId);
        }
        member.protocols.forEach(p -> protocolSupport.merge(p.name(), 1, Integer::sum));
        if (leaderId == null) {
            leaderId = memberId;
        }
        member.awaitingJoin = result;
        touch(member);
        maybePrepareRebalance("member " + memberId + " joined");
    }

    private void updateMemberAndRebalance(ClassicMember member, JoinRequest request, CompletableFuture<JoinResult> result) {
        updateMember(member, request, result);
        touch(member);
        maybePrepareRebalance("member " + member.memberId + " rejoined");
    }

    private void updateMember(ClassicMember member, JoinRequest request, CompletableFuture<JoinResult> result) {
        member.protocols.forEach(p -> protocolSupport.merge(p.name(), -1, Integer::sum));
        member.protocols = request.protocols();
        member.protocols.forEach(p -> protocolSupport.merge(p.name(), 1, Integer::sum));
        member.rebalanceTimeoutMs = request.rebalanceTimeoutMs();
        member.sessionTimeoutMs = request.sessionTimeoutMs();
        member.clientId = request.clientId();
        member.clientHost = request.clientHost();
        if (member.awaitingJoin != null && member.awaitingJoin != result) {
            member.awaitingJoin.complete(JoinResult.error(GroupError.REBALANCE_IN_PROGRESS, member.memberId));
        }
        member.awaitingJoin = result;
    }

    private boolean supportsProtocols(String memberProtocolType, List<JoinRequest.Protocol> protocols) {
        if (memberProtocolType == null || memberProtocolType.isEmpty() || protocols.isEmpty()) {
            return false;
        }
        if (members.isEmpty()) {
            return true;
        }
        if (!memberProtocolType.equals(protocolType)) {
            return false;
        }
        int n = members.size();
        return protocols.stream().anyMatch(p -> protocolSupport.getOrDefault(p.name(), 0) == n);
    }

    private boolean isStaticMemberFenced(String groupInstanceId, String memberId) {
        if (groupInstanceId == null) {
            return false;
        }
        String current = staticMembers.get(groupInstanceId);
        return current != null && !current.equals(memberId);
    }

    // ------------------------------------------------------------------ rebalance

    private void maybePrepareRebalance(String reason) {
        if (state == ClassicGroupState.STABLE || state == ClassicGroupState.COMPLETING_REBALANCE
                || state == ClassicGroupState.EMPTY) {
            prepareRebalance(reason);
        }
    }

    private void prepareRebalance(String reason) {
        if (state == ClassicGroupState.COMPLETING_REBALANCE) {
            // Members waiting for an assignment of the generation being abandoned are told to rejoin.
            for (ClassicMember m : members.values()) {
                m.assignment = new byte[0];
                if (m.awaitingSync != null) {
                    m.awaitingSync.complete(SyncResult.error(GroupError.REBALANCE_IN_PROGRESS));
                    m.awaitingSync = null;
                }
            }
        }
        cancelSyncTimer();
        boolean initial = state == ClassicGroupState.EMPTY;
        state = ClassicGroupState.PREPARING_REBALANCE;
        long phase = ++joinPhase;
        cancelJoinTimer();
        initialDelayActive = false;
        LOG.debugf("Group %s: preparing rebalance of generation %d (%s)", groupId(), generationId + 1, reason);
        if (initial && config.initialRebalanceDelayMs() > 0) {
            newMemberAdded = false;
            initialDelayActive = true;
            long delay = Math.min(config.initialRebalanceDelayMs(), rebalanceTimeoutMs());
            scheduleInitialDelay(phase, delay, Math.max(0, rebalanceTimeoutMs() - delay));
        } else {
            scheduleJoinDeadline(phase);
        }
    }

    private void scheduleInitialDelay(long phase, long delayMs, long remainingMs) {
        joinTimer = timer.schedule(delayMs, () -> {
            synchronized (this) {
                if (isDead() || phase != joinPhase || state != ClassicGroupState.PREPARING_REBALANCE) {
                    return;
                }
                if (newMemberAdded && remainingMs > 0) {
                    newMemberAdded = false;
                    long next = Math.min(config.initialRebalanceDelayMs(), remainingMs);
                    scheduleInitialDelay(phase, next, Math.max(0, remainingMs - next));
                } else {
                    joinTimer = null;
                    initialDelayActive = false;
                    completeJoin();
                }
            }
        });
    }

    private void scheduleJoinDeadline(long phase) {
        joinTimer = timer.schedule(rebalanceTimeoutMs(), () -> {
            synchronized (this) {
                if (!isDead() && phase == joinPhase && state == ClassicGroupState.PREPARING_REBALANCE) {
                    joinTimer = null;
                    completeJoin();
                }
            }
        });
    }

    /** Completes the join phase early once every member has rejoined (not during the initial delay). */
    private void tryCompleteJoin() {
        if (state != ClassicGroupState.PREPARING_REBALANCE || initialDelayActive) {
            return;
        }
        for (ClassicMember m : members.values()) {
            if (m.awaitingJoin == null) {
                return;
            }
        }
        if (!pendingMembers.isEmpty()) {
            return;
        }
        cancelJoinTimer();
        completeJoin();
    }

    private void completeJoin() {
        // Dynamic members that did not rejoin in time are removed; static ones keep their place.
        for (ClassicMember m : List.copyOf(members.values())) {
            if (m.awaitingJoin == null && !m.isStatic()) {
                LOG.debugf("Group %s: removing member %s, which did not rejoin", groupId(), m.memberId);
                removeMember(m);
            }
        }
        if (!members.isEmpty() && !electJoinedLeader()) {
            // Nobody rejoined: wait another rebalance timeout for the session timeouts to clear them out.
            scheduleJoinDeadline(joinPhase);
            return;
        }
        generationId++;
        if (members.isEmpty()) {
            protocolName = null;
            state = ClassicGroupState.EMPTY;
            leaderId = null;
            LOG.debugf("Group %s: generation %d is empty", groupId(), generationId);
            return;
        }
        protocolName = selectProtocol();
        state = ClassicGroupState.COMPLETING_REBALANCE;
        LOG.debugf("Group %s: generation %d with %d members, protocol %s, leader %s", groupId(), generationId,
                members.size(), protocolName, leaderId);
        List<JoinResult.MemberMetadata> all = memberMetadata();
        for (ClassicMember m : members.values()) {
            if (m.awaitingJoin != null) {
                boolean leader = m.memberId.equals(leaderId);
                m.awaitingJoin.complete(new JoinResult(GroupError.NONE, generationId, protocolType, protocolName,
                        leaderId, m.memberId, false, leader ? all : List.of()));
                m.awaitingJoin = null;
                m.isNew = false;
                touch(m);
            }
        }
        pendingSyncMembers.clear();
        pendingSyncMembers.addAll(members.keySet());
        int generation = generationId;
        syncTimer = timer.schedule(rebalanceTimeoutMs(), () -> {
            synchronized (this) {
                if (!isDead() && generation == generationId && !pendingSyncMembers.isEmpty()
                        && (state == ClassicGroupState.COMPLETING_REBALANCE || state == ClassicGroupState.STABLE)) {
                    for (String id : List.copyOf(pendingSyncMembers)) {
                        ClassicMember m = members.get(id);
                        if (m != null) {
                            LOG.debugf("Group %s: removing member %s, which did not sync in time", groupId(), id);
                            removeMember(m);
                        }
                    }
                    pendingSyncMembers.clear();
                    prepareRebalance("members did not sync in time");
                    tryCompleteJoin();
                }
            }
        });
    }

    private boolean electJoinedLeader() {
        ClassicMember leader = leaderId == null ? null : members.get(leaderId);
        if (leader != null && leader.awaitingJoin != null) {
            return true;
        }
        for (ClassicMember m : members.values()) {
            if (m.awaitingJoin != null) {
                leaderId = m.memberId;
                return true;
            }
        }
        return false;
    }

    private String selectProtocol() {
        Set<String> candidates = new LinkedHashSet<>();
        int n = members.size();
        protocolSupport.forEach((name, count) -> {
            if (count == n) {
                candidates.add(name);
            }
        });
        Map<String, Integer> votes = new LinkedHashMap<>();
        for (ClassicMember m : members.values()) {
            String vote = m.vote(candidates);
            if (vote != null) {
                votes.merge(vote, 1, Integer::sum);
            }
        }
        String best = null;
        int bestVotes = -1;
        for (Map.Entry<String, Integer> e : votes.entrySet()) {
            if (e.getValue() > bestVotes) {
                best = e.getKey();
                bestVotes = e.getValue();
            }
        }
        return best;
    }

    private List<JoinResult.MemberMetadata> memberMetadata() {
        List<JoinResult.MemberMetadata> all = new ArrayList<>();
        for (ClassicMember m : members.values()) {
            all.add(new JoinResult.MemberMetadata(m.memberId, m.groupInstanceId, m.metadata(protocolName)));
        }
        return all;
    }

    private int rebalanceTimeoutMs() {
        int max = 0;
        for (ClassicMember m : members.values()) {
            max = Math.max(max, m.rebalanceTimeoutMs);
        }
        return max;
    }

    // ------------------------------------------------------------------ SyncGroup

    void sync(SyncRequest request, CompletableFuture<SyncResult> result) {
        if (isStaticMemberFenced(request.groupInstanceId(), request.memberId())) {
            result.complete(SyncResult.error(GroupError.FENCED_INSTANCE_ID));
            return;
        }
        ClassicMember member = members.get(request.memberId());
        if (member == null) {
            result.complete(SyncResult.error(GroupError.UNKNOWN_MEMBER_ID));
            return;
        }
        if (request.generationId() != generationId) {
            result.complete(SyncResult.error(GroupError.ILLEGAL_GENERATION));
            return;
        }
        if ((request.protocolType() != null && !request.protocolType().equals(protocolType))
                || (request.protocolName() != null && !request.protocolName().equals(protocolName))) {
            result.complete(SyncResult.error(GroupError.INCONSISTENT_GROUP_PROTOCOL));
            return;
        }
        switch (state) {
            case PREPARING_REBALANCE -> result.complete(SyncResult.error(GroupError.REBALANCE_IN_PROGRESS));
            case COMPLETING_REBALANCE -> {
                if (member.awaitingSync != null && member.awaitingSync != result) {
                    member.awaitingSync.complete(SyncResult.error(GroupError.REBALANCE_IN_PROGRESS));
                }
                member.awaitingSync = result;
                removePendingSync(member.memberId);
                touch(member);
                if (member.memberId.equals(leaderId)) {
                    for (ClassicMember m : members.values()) {
                        byte[] assignment = request.assignments().get(m.memberId);
                        m.assignment = assignment == null ? new byte[0] : assignment;
                    }
                    state = ClassicGroupState.STABLE;
                    LOG.debugf("Group %s: generation %d is stable", groupId(), generationId);
                    for (ClassicMember m : members.values()) {
                        if (m.awaitingSync != null) {
                            m.awaitingSync.complete(new SyncResult(GroupError.NONE, protocolType, protocolName, m.assignment));
                            m.awaitingSync = null;
                            touch(m);
                        }
                    }
                }
            }
            case STABLE -> {
                removePendingSync(member.memberId);
                touch(member);
                result.complete(new SyncResult(GroupError.NONE, protocolType, protocolName, member.assignment));
            }
            default -> result.complete(SyncResult.error(GroupError.UNKNOWN_MEMBER_ID));
        }
    }

    private void removePendingSync(String memberId) {
        if (pendingSyncMembers.remove(memberId) && pendingSyncMembers.isEmpty()) {
            cancelSyncTimer();
        }
    }

    // ------------------------------------------------------------------ Heartbeat, LeaveGroup

    GroupError heartbeat(String memberId, String groupInstanceId, int generation) {
        if (isStaticMemberFenced(groupInstanceId, memberId)) {
            return GroupError.FENCED_INSTANCE_ID;
        }
        ClassicMember member = members.get(memberId);
        if (member == null) {
            return GroupError.UNKNOWN_MEMBER_ID;
        }
        if (generation != generationId) {
            return GroupError.ILLEGAL_GENERATION;
        }
        return switch (state) {
            case COMPLETING_REBALANCE, STABLE -> {
                touch(member);
                yield GroupError.NONE;
            }
            case PREPARING_REBALANCE -> {
                touch(member);
                yield GroupError.REBALANCE_IN_PROGRESS;
            }
            default -> GroupError.UNKNOWN_MEMBER_ID;
        };
    }

    LeaveResult leave(List<LeaveResult.LeavingMember> leaving) {
        List<LeaveResult.MemberOutcome> outcomes = new ArrayList<>();
        for (LeaveResult.LeavingMember l : leaving) {
            outcomes.add(new LeaveResult.MemberOutcome(l.memberId(), l.groupInstanceId(), leaveOne(l)));
        }
        return new LeaveResult(GroupError.NONE, outcomes);
    }

    private GroupError leaveOne(LeaveResult.LeavingMember l) {
        String memberId = l.memberId();
        if (l.groupInstanceId() != null) {
            String current = staticMembers.get(l.groupInstanceId());
            if (current == null) {
                return GroupError.UNKNOWN_MEMBER_ID;
            }
            if (!memberId.isEmpty() && !memberId.equals(current)) {
                return GroupError.FENCED_INSTANCE_ID;
            }
            memberId = current;
        } else if (pendingMembers.remove(memberId)) {
            tryCompleteJoin();
            return GroupError.NONE;
        }
        ClassicMember member = members.get(memberId);
        if (member == null) {
            return GroupError.UNKNOWN_MEMBER_ID;
        }
        LOG.debugf("Group %s: member %s leaves", groupId(), memberId);
        removeMemberAndUpdateGroup(member, "member " + memberId + " left");
        return GroupError.NONE;
    }

    private void removeMemberAndUpdateGroup(ClassicMember member, String reason) {
        removeMember(member);
        if (state == ClassicGroupState.STABLE || state == ClassicGroupState.COMPLETING_REBALANCE) {
            prepareRebalance(reason);
        }
        if (state == ClassicGroupState.PREPARING_REBALANCE) {
            tryCompleteJoin();
        }
    }

    private void removeMember(ClassicMember member) {
        if (member.awaitingJoin != null) {
            member.awaitingJoin.complete(JoinResult.error(GroupError.UNKNOWN_MEMBER_ID, ""));
            member.awaitingJoin = null;
        }
        if (member.awaitingSync != null) {
            member.awaitingSync.complete(SyncResult.error(GroupError.UNKNOWN_MEMBER_ID));
            member.awaitingSync = null;
        }
        member.cancelSessionTimer();
        members.remove(member.memberId);
        member.protocols.forEach(p -> protocolSupport.merge(p.name(), -1, Integer::sum));
        if (member.groupInstanceId != null) {
            staticMembers.remove(member.groupInstanceId, member.memberId);
        }
        removePendingSync(member.memberId);
        if (member.memberId.equals(leaderId)) {
            leaderId = members.isEmpty() ? null : members.keySet().iterator().next();
        }
    }

    // ------------------------------------------------------------------ session timeouts

    /** Records a sign of life and (re)arms the member's session timeout. */
    private void touch(ClassicMember member) {
        member.cancelSessionTimer();
        long version = ++member.sessionTimerVersion;
        long timeout = member.awaitingJoin != null && member.isNew
                ? NEW_MEMBER_JOIN_TIMEOUT_MS : member.sessionTimeoutMs;
        member.sessionTimer = timer.schedule(timeout, () -> {
            synchronized (this) {
                if (isDead() || members.get(member.memberId) != member || member.sessionTimerVersion != version) {
                    return;
                }
                if (member.awaitingJoin != null && !member.isNew) {
                    // A pending join is a sign of life until the join phase ends.
                    touch(member);
                    return;
                }
                LOG.debugf("Group %s: member %s missed its session timeout", groupId(), member.memberId);
                removeMemberAndUpdateGroup(member, "session timeout of " + member.memberId);
            }
        });
    }

    // ------------------------------------------------------------------ offsets

    /**
     * Whether this group accepts an offset commit from the given member, as Kafka's classic group
     * decides: generation -1 from outside the group is accepted only while it is empty.
     */
    GroupError validateOffsetCommit(String memberId, String groupInstanceId, int generation) {
        if (isDead()) {
            return GroupError.COORDINATOR_NOT_AVAILABLE;
        }
        if (generation < 0 && state == ClassicGroupState.EMPTY) {
            return GroupError.NONE;
        }
        if (generation >= 0 || !memberId.isEmpty() || groupInstanceId != null) {
            if (groupInstanceId != null) {
                String current = staticMembers.get(groupInstanceId);
                if (current == null) {
                    return GroupError.UNKNOWN_MEMBER_ID;
                }
                if (!current.equals(memberId)) {
                    return GroupError.FENCED_INSTANCE_ID;
                }
            } else if (!members.containsKey(memberId)) {
                return GroupError.UNKNOWN_MEMBER_ID;
            }
            if (generation != generationId) {
                return GroupError.ILLEGAL_GENERATION;
            }
        } else if (state != ClassicGroupState.EMPTY) {
            return GroupError.UNKNOWN_MEMBER_ID;
        }
        if (state == ClassicGroupState.COMPLETING_REBALANCE) {
            return GroupError.REBALANCE_IN_PROGRESS;
        }
        return GroupError.NONE;
    }

    // ------------------------------------------------------------------ lifecycle

    private void cancelJoinTimer() {
        initialDelayActive = false;
        if (joinTimer != null) {
            joinTimer.cancel();
            joinTimer = null;
        }
    }

    private void cancelSyncTimer() {
        if (syncTimer != null) {
            syncTimer.cancel();
            syncTimer = null;
        }
    }

    @Override
    protected void shutdown() {
        cancelJoinTimer();
        cancelSyncTimer();
        for (ClassicMember m : List.copyOf(members.values())) {
            if (m.awaitingJoin != null) {
                m.awaitingJoin.complete(JoinResult.error(GroupError.COORDINATOR_NOT_AVAILABLE, m.memberId));
                m.awaitingJoin = null;
            }
            if (m.awaitingSync != null) {
                m.awaitingSync.complete(SyncResult.error(GroupError.COORDINATOR_NOT_AVAILABLE));
                m.awaitingSync = null;
            }
            m.cancelSessionTimer();
        }
    }
}
