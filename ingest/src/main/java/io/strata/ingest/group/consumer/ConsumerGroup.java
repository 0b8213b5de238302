package io.strata.ingest.group.consumer;

import com.google.re2j.Pattern;
import io.strata.ingest.group.Group;
import io.strata.ingest.group.GroupConfig;
import io.strata.ingest.group.GroupError;
import io.strata.ingest.group.GroupTimer;
import io.strata.ingest.group.GroupType;
import io.strata.ingest.group.TopicCatalog;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A consumer group of the KIP-848 protocol. The coordinator owns the assignment:
 * <ul>
 *   <li>the <b>group epoch</b> moves whenever membership, subscriptions or the subscribed topics'
 *       partition counts change;</li>
 *   <li>the <b>target assignment</b> is recomputed by the server-side assignor for each new group
 *       epoch (its assignment epoch);</li>
 *   <li>each member <b>reconciles</b> towards its target at its own pace: partitions it must give
 *       up are revoked first (it stays at its epoch until it reports them gone), partitions still
 *       held by another member are withheld until released, then it moves to the target epoch.</li>
 * </ul>
 * A member that misses its session timeout, or does not revoke within its rebalance timeout, is
 * removed. Every method must be called with the group's monitor held.
 */
public final class ConsumerGroup extends Group {

    private static final Logger LOG = Logger.getLogger(ConsumerGroup.class);

    private final GroupTimer timer;
    private final GroupConfig config;
    private final TopicCatalog catalog;
    private final Map<String, PartitionAssignor> assignors;

    private int groupEpoch;
    private int assignmentEpoch;
    private String assignorName;
    private final Map<String, ConsumerGroupMember> members = new LinkedHashMap<>();
    private final Map<String, String> staticMembers = new HashMap<>();
    private Map<String, Map<String, Set<Integer>>> targetAssignment = new TreeMap<>();
    private Map<String, Integer> subscriptionMetadata = new TreeMap<>();
    /** topic → partition → member that holds it (assigned or still revoking). */
    private final Map<String, Map<Integer, String>> owners = new HashMap<>();

    public ConsumerGroup(String groupId, GroupTimer timer, GroupConfig config, TopicCatalog catalog,
                         Map<String, PartitionAssignor> assignors) {
        super(groupId);
        this.timer = timer;
        this.config = config;
        this.catalog = catalog;
        this.assignors = assignors;
        this.assignorName = config.consumerAssignors().get(0);
    }

    // ------------------------------------------------------------------ views

    @Override
    public GroupType type() {
        return GroupType.CONSUMER;
    }

    @Override
    public boolean isEmpty() {
        return members.isEmpty();
    }

    @Override
    public String protocolType() {
        return "consumer";
    }

    @Override
    public String stateName() {
        if (isDead()) {
            return "Dead";
        }
        if (members.isEmpty()) {
            return "Empty";
        }
        if (groupEpoch != assignmentEpoch) {
            return "Assigning";
        }
        for (ConsumerGroupMember m : members.values()) {
            if (m.memberEpoch != assignmentEpoch || m.state != ConsumerGroupMember.State.STABLE) {
                return "Reconciling";
            }
        }
        return "Stable";
    }

    public int groupEpoch() {
        return groupEpoch;
    }

    public int assignmentEpoch() {
        return assignmentEpoch;
    }

    @Override
    public Set<String> subscribedTopics() {
        Set<String> topics = new TreeSet<>();
        Collection<String> allTopics = null;
        for (ConsumerGroupMember m : members.values()) {
            topics.addAll(m.subscribedTopicNames);
            if (m.compiledRegex != null) {
                if (allTopics == null) {
                    allTopics = catalog.topicNames();
                }
                allTopics.stream().filter(t -> m.compiledRegex.matcher(t).matches()).forEach(topics::add);
            }
        }
        return topics;
    }

    public ConsumerGroupDescription describe() {
        List<ConsumerGroupDescription.Member> described = new ArrayList<>();
        for (ConsumerGroupMember m : members.values()) {
            described.add(new ConsumerGroupDescription.Member(m.memberId, m.groupInstanceId, m.rackId, m.memberEpoch,
                    m.clientId, m.clientHost, List.copyOf(m.subscribedTopicNames), m.subscribedTopicRegex,
                    copy(m.assigned), copy(targetAssignment.getOrDefault(m.memberId, Map.of()))));
        }
        return new ConsumerGroupDescription(groupId(), stateName(), groupEpoch, assignmentEpoch, assignorName, described);
    }

    // ------------------------------------------------------------------ heartbeat

    /** Join (epoch 0) or heartbeat (epoch > 0). */
    HeartbeatResult heartbeat(HeartbeatRequest request, Pattern regex) {
        String memberId = request.memberId();
        ConsumerGroupMember member;
        boolean bump = false;
        if (request.memberEpoch() == HeartbeatRequest.JOIN_EPOCH) {
            if (request.groupInstanceId() != null) {
                String holder = staticMembers.get(request.groupInstanceId());
                if (holder != null && !holder.equals(memberId)) {
                    return HeartbeatResult.error(GroupError.UNRELEASED_INSTANCE_ID, "Static member "
                            + request.groupInstanceId() + " is still in use by member " + holder + ".");
                }
            }
            member = members.get(memberId);
            if (member == null) {
                if (members.size() >= config.maxGroupSize()) {
                    return HeartbeatResult.error(GroupError.GROUP_MAX_SIZE_REACHED,
                            "Group " + groupId() + " is full.");
                }
                member = new ConsumerGroupMember(memberId);
                members.put(memberId, member);
                bump = true;
                LOG.debugf("Group %s: member %s joins", groupId(), memberId);
            }
        } else {
            member = members.get(memberId);
            if (member == null) {
                return HeartbeatResult.error(GroupError.UNKNOWN_MEMBER_ID,
                        "Member " + memberId + " is not a member of group " + groupId() + ".");
            }
            if (request.groupInstanceId() != null) {
                String holder = staticMembers.get(request.groupInstanceId());
                if (holder == null) {
                    return HeartbeatResult.error(GroupError.UNKNOWN_MEMBER_ID,
                            "Instance " + request.groupInstanceId() + " is not a member of group " + groupId() + ".");
                }
                if (!holder.equals(memberId)) {
                    return HeartbeatResult.error(GroupError.FENCED_INSTANCE_ID,
                            "Instance " + request.groupInstanceId() + " is now member " + holder + ".");
                }
            }
            int epoch = request.memberEpoch();
            if (epoch > member.memberEpoch || (epoch < member.memberEpoch
                    && (epoch != member.previousMemberEpoch || !isSubset(request.ownedPartitions(), member.assigned)))) {
                return HeartbeatResult.error(GroupError.FENCED_MEMBER_EPOCH, "Epoch " + epoch
                        + " of member " + memberId + " is fenced; its epoch is " + member.memberEpoch + ".");
            }
        }
        Map<String, Set<Integer>> before = copy(member.assigned);

        if (request.groupInstanceId() != null && !request.groupInstanceId().equals(member.groupInstanceId)) {
            if (member.groupInstanceId != null) {
                staticMembers.remove(member.groupInstanceId, memberId);
            }
            member.groupInstanceId = request.groupInstanceId();
            staticMembers.put(member.groupInstanceId, memberId);
        }
        if (request.rackId() != null) {
            member.rackId = request.rackId();
        }
        member.clientId = request.clientId();
        member.clientHost = request.clientHost();
        if (request.rebalanceTimeoutMs() > 0) {
            member.rebalanceTimeoutMs = request.rebalanceTimeoutMs();
        }
        if (request.subscribedTopicNames() != null) {
            List<String> names = new ArrayList<>(new TreeSet<>(request.subscribedTopicNames()));
            if (!names.equals(member.subscribedTopicNames)) {
                member.subscribedTopicNames = names;
                bump = true;
            }
        }
        if (request.subscribedTopicRegex() != null) {
            String value = request.subscribedTopicRegex().isEmpty() ? null : request.subscribedTopicRegex();
            if (!Objects.equals(value, member.subscribedTopicRegex)) {
                member.subscribedTopicRegex = value;
                member.compiledRegex = regex;
                bump = true;
            }
        }
        if (request.serverAssignor() != null && !request.serverAssignor().equals(member.serverAssignor)) {
            member.serverAssignor = request.serverAssignor();
            bump = true;
        }
        if (refreshSubscriptionMetadata()) {
            bump = true;
        }
        if (bump) {
            groupEpoch++;
        }
        if (groupEpoch > assignmentEpoch) {
            computeTargetAssignment();
        }
        Map<String, Set<Integer>> owned = request.memberEpoch() == HeartbeatRequest.JOIN_EPOCH
                ? Map.of() : request.ownedPartitions();
        reconcile(member, owned);
        armSessionTimer(member);
        armRevocationTimer(member);

        boolean fullRequest = request.memberEpoch() == HeartbeatRequest.JOIN_EPOCH
                || (request.rebalanceTimeoutMs() != -1
                && (request.subscribedTopicNames() != null || request.subscribedTopicRegex() != null)
                && request.ownedPartitions() != null);
        boolean changed = !before.equals(copy(member.assigned));
        return new HeartbeatResult(GroupError.NONE, null, memberId, member.memberEpoch,
                config.consumerHeartbeatIntervalMs(), fullRequest || changed ? copy(member.assigned) : null);
    }

    /** Leave (epoch -1) or a static member's temporary leave (epoch -2); both give up the member's partitions. */
    HeartbeatResult leave(HeartbeatRequest request) {
        ConsumerGroupMember member = members.get(request.memberId());
        if (member == null) {
            return HeartbeatResult.error(GroupError.UNKNOWN_MEMBER_ID,
                    "Member " + request.memberId() + " is not a member of group " + groupId() + ".");
        }
        if (request.groupInstanceId() != null && member.groupInstanceId != null
                && !request.groupInstanceId().equals(member.groupInstanceId)) {
            return HeartbeatResult.error(GroupError.FENCED_INSTANCE_ID, "Instance id mismatch.");
        }
        LOG.debugf("Group %s: member %s leaves", groupId(), member.memberId);
        removeMember(member);
        return new HeartbeatResult(GroupError.NONE, null, member.memberId, request.memberEpoch(),
                config.consumerHeartbeatIntervalMs(), null);
    }

    // ------------------------------------------------------------------ assignment

    private boolean refreshSubscriptionMetadata() {
        Map<String, Integer> metadata = new TreeMap<>();
        for (String topic : subscribedTopics()) {
            int partitions = catalog.partitionCount(topic);
            if (partitions > 0) {
                metadata.put(topic, partitions);
            }
        }
        if (metadata.equals(subscriptionMetadata)) {
            return false;
        }
        subscriptionMetadata = metadata;
        return true;
    }

    private void computeTargetAssignment() {
        PartitionAssignor assignor = chooseAssignor();
        Map<String, Set<String>> subscriptions = new TreeMap<>();
        Collection<String> allTopics = null;
        for (ConsumerGroupMember m : members.values()) {
            Set<String> topics = new TreeSet<>();
            for (String t : m.subscribedTopicNames) {
                if (subscriptionMetadata.containsKey(t)) {
                    topics.add(t);
                }
            }
            if (m.compiledRegex != null) {
                if (allTopics == null) {
                    allTopics = catalog.topicNames();
                }
                for (String t : allTopics) {
                    if (subscriptionMetadata.containsKey(t) && m.compiledRegex.matcher(t).matches()) {
                        topics.add(t);
                    }
                }
            }
            subscriptions.put(m.memberId, topics);
        }
        targetAssignment = new TreeMap<>(assignor.assign(subscriptions, subscriptionMetadata, targetAssignment));
        assignmentEpoch = groupEpoch;
        assignorName = assignor.name();
        LOG.debugf("Group %s: target assignment of epoch %d by %s: %s", groupId(), assignmentEpoch, assignorName,
                targetAssignment);
    }

    private PartitionAssignor chooseAssignor() {
        Map<String, Integer> votes = new HashMap<>();
        for (ConsumerGroupMember m : members.values()) {
            if (m.serverAssignor != null && assignors.containsKey(m.serverAssignor)) {
                votes.merge(m.serverAssignor, 1, Integer::sum);
            }
        }
        String chosen = config.consumerAssignors().get(0);
        int best = 0;
        for (String name : config.consumerAssignors()) {
            int v = votes.getOrDefault(name, 0);
            if (v > best) {
                best = v;
                chosen = name;
            }
        }
        return assignors.get(chosen);
    }

    /** Moves a member towards its target assignment (Kafka's CurrentAssignmentBuilder). */
    private void reconcile(ConsumerGroupMember member, Map<String, Set<Integer>> owned) {
        switch (member.state) {
            case STABLE -> {
                if (member.memberEpoch != assignmentEpoch) {
                    computeNextAssignment(member, owned);
                }
            }
            case UNREVOKED_PARTITIONS -> {
                // Without the owned partitions in the request there is nothing to go on: keep waiting.
                if (owned != null && !ownsAny(owned, member.pendingRevocation)) {
                    computeNextAssignment(member, owned);
                }
            }
            case UNRELEASED_PARTITIONS -> computeNextAssignment(member, owned);
        }
    }

    private void computeNextAssignment(ConsumerGroupMember member, Map<String, Set<Integer>> owned) {
        Map<String, Set<Integer>> target = targetAssignment.getOrDefault(member.memberId, Map.of());
        Map<String, Set<Integer>> keep = new TreeMap<>();
        Map<String, Set<Integer>> revoke = new TreeMap<>();
        Map<String, Set<Integer>> add = new TreeMap<>();
        boolean unreleased = false;
        Set<String> topics = new TreeSet<>(target.keySet());
        topics.addAll(member.assigned.keySet());
        for (String topic : topics) {
            Set<Integer> wanted = target.getOrDefault(topic, Set.of());
            Set<Integer> current = member.assigned.getOrDefault(topic, Set.of());
            for (int p : current) {
                (wanted.contains(p) ? keep : revoke).computeIfAbsent(topic, k -> new TreeSet<>()).add(p);
            }
            for (int p : wanted) {
                if (current.contains(p)) {
                    continue;
                }
                String holder = owners.getOrDefault(topic, Map.of()).get(p);
                if (holder != null && !holder.equals(member.memberId)) {
                    unreleased = true;
                } else {
                    add.computeIfAbsent(topic, k -> new TreeSet<>()).add(p);
                }
            }
        }
        if (!revoke.isEmpty() && (owned == null || ownsAny(owned, revoke))) {
            // Revoke first; the member stays at its epoch until it reports the partitions gone.
            setOwnership(member, keep, revoke);
            member.state = ConsumerGroupMember.State.UNREVOKED_PARTITIONS;
            return;
        }
        Map<String, Set<Integer>> next = copy(keep);
        add.forEach((t, ps) -> next.computeIfAbsent(t, k -> new TreeSet<>()).addAll(ps));
        setOwnership(member, next, new TreeMap<>());
        if (member.memberEpoch != assignmentEpoch) {
            member.previousMemberEpoch = member.memberEpoch;
            member.memberEpoch = assignmentEpoch;
        }
        member.state = unreleased ? ConsumerGroupMember.State.UNRELEASED_PARTITIONS : ConsumerGroupMember.State.STABLE;
    }

    private void setOwnership(ConsumerGroupMember member, Map<String, Set<Integer>> assigned,
                              Map<String, Set<Integer>> pendingRevocation) {
        release(member);
        member.assigned = assigned;
        member.pendingRevocation = pendingRevocation;
        claim(member, assigned);
        claim(member, pendingRevocation);
    }

    private void claim(ConsumerGroupMember member, Map<String, Set<Integer>> partitions) {
        partitions.forEach((topic, ps) -> {
            Map<Integer, String> byPartition = owners.computeIfAbsent(topic, k -> new HashMap<>());
            ps.forEach(p -> byPartition.put(p, member.memberId));
        });
    }

    private void release(ConsumerGroupMember member) {
        for (Map<String, Set<Integer>> held : List.of(member.assigned, member.pendingRevocation)) {
            held.forEach((topic, ps) -> {
                Map<Integer, String> byPartition = owners.get(topic);
                if (byPartition != null) {
                    ps.forEach(p -> byPartition.remove(p, member.memberId));
                    if (byPartition.isEmpty()) {
                        owners.remove(topic);
                    }
                }
            });
        }
    }

    private void removeMember(ConsumerGroupMember member) {
        member.cancelTimers();
        release(member);
        members.remove(member.memberId);
        if (member.groupInstanceId != null) {
            staticMembers.remove(member.groupInstanceId, member.memberId);
        }
        targetAssignment.remove(member.memberId);
        groupEpoch++;
        refreshSubscriptionMetadata();
        computeTargetAssignment();
    }

    // ------------------------------------------------------------------ deadlines

    private void armSessionTimer(ConsumerGroupMember member) {
        if (member.sessionTimer != null) {
            member.sessionTimer.cancel();
        }
        GroupTimer.Cancellable[] self = new GroupTimer.Cancellable[1];
        self[0] = timer.schedule(config.consumerSessionTimeoutMs(), () -> {
            synchronized (this) {
                if (!isDead() && members.get(member.memberId) == member && member.sessionTimer == self[0]) {
                    LOG.debugf("Group %s: member %s missed its session timeout", groupId(), member.memberId);
                    removeMember(member);
                }
            }
        });
        member.sessionTimer = self[0];
    }

    private void armRevocationTimer(ConsumerGroupMember member) {
        if (member.state != ConsumerGroupMember.State.UNREVOKED_PARTITIONS) {
            member.cancelRevocationTimer();
            return;
        }
        if (member.revocationTimer != null && member.revocationTimerEpoch == member.memberEpoch) {
            return;
        }
        member.cancelRevocationTimer();
        int epoch = member.memberEpoch;
        long timeout = member.rebalanceTimeoutMs > 0 ? member.rebalanceTimeoutMs : config.consumerSessionTimeoutMs();
        member.revocationTimerEpoch = epoch;
        member.revocationTimer = timer.schedule(timeout, () -> {
            synchronized (this) {
                if (!isDead() && members.get(member.memberId) == member && member.memberEpoch == epoch
                        && member.state == ConsumerGroupMember.State.UNREVOKED_PARTITIONS) {
                    LOG.debugf("Group %s: member %s did not revoke its partitions in time", groupId(), member.memberId);
                    removeMember(member);
                }
            }
        });
    }

    // ------------------------------------------------------------------ offsets

    /** Offset commits are accepted from a member at its current epoch, or from outside while the group is empty. */
    GroupError validateOffsetCommit(String memberId, int memberEpoch) {
        if (isDead()) {
            return GroupError.COORDINATOR_NOT_AVAILABLE;
        }
        if (memberEpoch < 0 && members.isEmpty()) {
            return GroupError.NONE;
        }
        ConsumerGroupMember member = members.get(memberId);
        if (member == null) {
            return GroupError.UNKNOWN_MEMBER_ID;
        }
        return memberEpoch == member.memberEpoch ? GroupError.NONE : GroupError.STALE_MEMBER_EPOCH;
    }

    /** Offset fetches naming a member must come from a member at its current epoch. */
    GroupError validateOffsetFetch(String memberId, int memberEpoch) {
        if (memberId == null || (memberId.isEmpty() && memberEpoch < 0)) {
            return GroupError.NONE;
        }
        ConsumerGroupMember member = members.get(memberId);
        if (member == null) {
            return GroupError.UNKNOWN_MEMBER_ID;
        }
        return memberEpoch == member.memberEpoch ? GroupError.NONE : GroupError.STALE_MEMBER_EPOCH;
    }

    @Override
    protected void shutdown() {
        members.values().forEach(ConsumerGroupMember::cancelTimers);
    }

    // ------------------------------------------------------------------ helpers

    private static boolean ownsAny(Map<String, Set<Integer>> owned, Map<String, Set<Integer>> partitions) {
        for (Map.Entry<String, Set<Integer>> e : partitions.entrySet()) {
            Set<Integer> o = owned.get(e.getKey());
            if (o != null) {
                for (int p : e.getValue()) {
                    if (o.contains(p)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    private static boolean isSubset(Map<String, Set<Integer>> owned, Map<String, Set<Integer>> assigned) {
        if (owned == null) {
            return false;
        }
        for (Map.Entry<String, Set<Integer>> e : owned.entrySet()) {
            Set<Integer> a = assigned.getOrDefault(e.getKey(), Set.of());
            if (!a.containsAll(e.getValue())) {
                return false;
            }
        }
        return true;
    }

    static Map<String, Set<Integer>> copy(Map<String, Set<Integer>> assignment) {
        Map<String, Set<Integer>> copy = new TreeMap<>();
        assignment.forEach((t, ps) -> {
            if (!ps.isEmpty()) {
                copy.put(t, new TreeSet<>(ps));
            }
        });
        return copy;
    }

    Set<String> memberIds() {
        return new HashSet<>(members.keySet());
    }
}
