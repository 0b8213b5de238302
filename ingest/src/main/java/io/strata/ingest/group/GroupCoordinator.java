package io.strata.ingest.group;

import io.strata.ingest.group.classic.ClassicGroup;
import io.strata.ingest.group.classic.ClassicGroupDescription;
import io.strata.ingest.group.classic.ClassicGroupManager;
import io.strata.ingest.group.consumer.ConsumerGroup;
import io.strata.ingest.group.consumer.ConsumerGroupManager;
import io.strata.membership.group.CommittedOffset;
import io.strata.membership.group.GroupOffsetStore;
import io.strata.membership.partition.PartitionId;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The node's group coordinator: classic groups ({@link #classic()}), consumer groups of KIP-848
 * ({@link #consumer()}), committed offsets and group administration (list, describe, delete).
 *
 * <p>Membership lives in memory (a restarted coordinator makes members rejoin, as in Kafka);
 * committed offsets live in the {@link GroupOffsetStore}. A group that only has committed offsets
 * (simple consumers, or after a restart) is reported as an Empty classic group. Thread-safe.
 */
public final class GroupCoordinator implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(GroupCoordinator.class);
    private static final int OFFSET_LOCK_STRIPES = 64;

    private final GroupOffsetStore offsets;
    private final GroupConfig config;
    private final GroupTimer timer;
    private final CoordinatorLocator locator;
    private final GroupRegistry registry = new GroupRegistry();
    private final ClassicGroupManager classic;
    private final ConsumerGroupManager consumer;
    private final Object[] offsetLocks = new Object[OFFSET_LOCK_STRIPES];
    private volatile boolean closed;

    public GroupCoordinator(GroupOffsetStore offsets, TopicCatalog topics, SubscriptionDecoder subscriptions,
                            GroupConfig config, GroupTimer timer, CoordinatorLocator locator) {
        this.offsets = offsets;
        this.config = config;
        this.timer = timer;
        this.locator = locator;
        this.classic = new ClassicGroupManager(registry, timer, config, subscriptions);
        this.consumer = new ConsumerGroupManager(registry, timer, config, topics);
        for (int i = 0; i < offsetLocks.length; i++) {
            offsetLocks[i] = new Object();
        }
        scheduleCleanup();
    }

    public ClassicGroupManager classic() {
        return classic;
    }

    public ConsumerGroupManager consumer() {
        return consumer;
    }

    public CoordinatorLocator locator() {
        return locator;
    }

    public GroupConfig config() {
        return config;
    }

    /**
     * NONE when this node coordinates the group; NOT_COORDINATOR when another node does;
     * COORDINATOR_NOT_AVAILABLE when none does (this node is closing or cut off from the majority).
     * Clients retry both after looking the coordinator up again.
     */
    public GroupError checkCoordinator(String groupId) {
        if (closed) {
            return GroupError.COORDINATOR_NOT_AVAILABLE;
        }
        int coordinator = locator.coordinatorOf(groupId);
        if (coordinator == CoordinatorLocator.NONE) {
            return GroupError.COORDINATOR_NOT_AVAILABLE;
        }
        return coordinator == locator.localNodeId() ? GroupError.NONE : GroupError.NOT_COORDINATOR;
    }

    // ------------------------------------------------------------------ offsets

    /**
     * Commits offsets after checking the committer against the group: a member with its current
     * generation (classic) or epoch (consumer group), or anyone with generation -1 while the group
     * has no members. The same error applies to every partition.
     *
     * <p>A group this coordinator does not know, committed to with a generation or epoch: before v9
     * ILLEGAL_GENERATION (as Kafka); from v9 on Kafka answers GROUP_ID_NOT_FOUND, which the Java client
     * treats as fatal. Kafka's coordinator reloads a moved group's members with its offsets, so its
     * members never meet that answer; here membership is in memory, and a member of a group the
     * coordinator forgot (it moved here, or restarted) gets UNKNOWN_MEMBER_ID instead, as a member
     * unknown to a known group would, and rejoins. A request without a member id still gets
     * GROUP_ID_NOT_FOUND.
     *
     * <p>NONE only when this node still sees the cluster majority after the write: a commit that may be
     * on a cut-off minority only gets COORDINATOR_NOT_AVAILABLE (retriable).
     *
     * @param topicIdsProtocol true for OffsetCommit v9+
     */
    public GroupError commitOffsets(String groupId, int generationIdOrMemberEpoch, String memberId,
                                    String groupInstanceId, Map<PartitionId, CommittedOffset> commit,
                                    boolean topicIdsProtocol) {
        if (groupId == null || groupId.isEmpty()) {
            return GroupError.INVALID_GROUP_ID;
        }
        Group group = registry.get(groupId);
        if (group == null) {
            if (generationIdOrMemberEpoch >= 0) {
                if (!topicIdsProtocol) {
                    return GroupError.ILLEGAL_GENERATION;
                }
                return memberId == null || memberId.isEmpty() ? GroupError.GROUP_ID_NOT_FOUND : GroupError.UNKNOWN_MEMBER_ID;
            }
        } else {
            GroupError error;
            synchronized (group) {
                if (group.isDead()) {
                    error = GroupError.COORDINATOR_NOT_AVAILABLE;
                } else if (group instanceof ClassicGroup c) {
                    error = ClassicGroupManager.validateOffsetCommit(c, memberId == null ? "" : memberId,
                            groupInstanceId, generationIdOrMemberEpoch);
                } else {
                    error = ConsumerGroupManager.validateOffsetCommit((ConsumerGroup) group, memberId,
                            generationIdOrMemberEpoch);
                }
            }
            if (error != GroupError.NONE) {
                return error;
            }
        }
        if (commit.isEmpty()) {
            return GroupError.NONE;
        }
        synchronized (offsetLock(groupId)) {
            // A group deleted since the check must not get its offsets back.
            if (group != null && (group.isDead() || registry.get(groupId) != group)) {
                return GroupError.COORDINATOR_NOT_AVAILABLE;
            }
            try {
                offsets.commit(groupId, commit);
            } catch (RuntimeException e) {
                LOG.warnf(e, "Committing offsets of group %s failed", groupId);
                return GroupError.COORDINATOR_NOT_AVAILABLE;
            }
        }
        // The majority checked before the write may have been lost while it ran (this node cut off):
        // the commit may then exist on this side only and vanish when the split heals, so it is not
        // acknowledged; the client looks the coordinator up again and retries. A store on the cluster
        // metadata checks this itself (WriteQuorum.confirmWritten); this covers every store.
        if (!locator.inMajority()) {
            LOG.warnf("Offsets of group %s written, but this node lost the cluster majority meanwhile; not acknowledged",
                    groupId);
            return GroupError.COORDINATOR_NOT_AVAILABLE;
        }
        return GroupError.NONE;
    }

    /**
     * Committed offsets of a group; all of them when {@code partitions} is null.
     *
     * @param memberId null unless a member of a consumer group asks (OffsetFetch v9+)
     */
    public OffsetFetchResult fetchOffsets(String groupId, String memberId, int memberEpoch,
                                          Collection<PartitionId> partitions) {
        Group group = registry.get(groupId);
        if (group instanceof ConsumerGroup cg && memberId != null) {
            synchronized (cg) {
                if (!cg.isDead()) {
                    GroupError error = ConsumerGroupManager.validateOffsetFetch(cg, memberId, memberEpoch);
                    if (error != GroupError.NONE) {
                        return new OffsetFetchResult(error, Map.of());
                    }
                }
            }
        }
        Map<PartitionId, CommittedOffset> all;
        try {
            all = storedOffsets(groupId);
        } catch (RuntimeException e) {
            LOG.warnf(e, "Reading offsets of group %s failed", groupId);
            return new OffsetFetchResult(GroupError.COORDINATOR_NOT_AVAILABLE, Map.of());
        }
        if (partitions == null) {
            return new OffsetFetchResult(GroupError.NONE, all);
        }
        Map<PartitionId, CommittedOffset> wanted = new LinkedHashMap<>();
        for (PartitionId p : partitions) {
            CommittedOffset o = all.get(p);
            if (o != null) {
                wanted.put(p, o);
            }
        }
        return new OffsetFetchResult(GroupError.NONE, wanted);
    }

    /** OffsetDelete: refuses partitions of topics the group's members subscribe to. */
    public OffsetDeleteResult deleteOffsets(String groupId, Collection<PartitionId> partitions) {
        Group group = registry.get(groupId);
        Set<String> subscribed = Set.of();
        if (group != null) {
            synchronized (group) {
                if (!group.isDead() && !group.isEmpty()) {
                    if (group.type() == GroupType.CLASSIC && !"consumer".equals(group.protocolType())) {
                        return new OffsetDeleteResult(GroupError.NON_EMPTY_GROUP, Map.of());
                    }
                    subscribed = group.subscribedTopics();
                }
            }
        }
        synchronized (offsetLock(groupId)) {
            Map<PartitionId, CommittedOffset> existing;
            try {
                existing = storedOffsets(groupId);
            } catch (RuntimeException e) {
                LOG.warnf(e, "Reading offsets of group %s failed", groupId);
                return new OffsetDeleteResult(GroupError.COORDINATOR_NOT_AVAILABLE, Map.of());
            }
            if ((group == null || group.isDead()) && existing.isEmpty()) {
                return new OffsetDeleteResult(GroupError.GROUP_ID_NOT_FOUND, Map.of());
            }
            Map<PartitionId, GroupError> outcome = new LinkedHashMap<>();
            List<PartitionId> toDelete = new ArrayList<>();
            for (PartitionId p : partitions) {
                if (subscribed.contains(p.topic())) {
                    outcome.put(p, GroupError.GROUP_SUBSCRIBED_TO_TOPIC);
                } else {
                    outcome.put(p, GroupError.NONE);
                    toDelete.add(p);
                }
            }
            try {
                offsets.delete(groupId, toDelete);
            } catch (RuntimeException e) {
                LOG.warnf(e, "Deleting offsets of group %s failed", groupId);
                return new OffsetDeleteResult(GroupError.COORDINATOR_NOT_AVAILABLE, Map.of());
            }
            return new OffsetDeleteResult(GroupError.NONE, outcome);
        }
    }

    // ------------------------------------------------------------------ administration

    /**
     * ListGroups. Filters are matched case-insensitively; empty filters match everything.
     */
    public List<GroupListing> listGroups(Collection<String> statesFilter, Collection<String> typesFilter) {
        Set<String> states = lower(statesFilter);
        Set<String> types = lower(typesFilter);
        Map<String, GroupListing> listed = new LinkedHashMap<>();
        for (Group group : registry.all()) {
            synchronized (group) {
                if (!group.isDead()) {
                    listed.put(group.groupId(), new GroupListing(group.groupId(), group.protocolType(),
                            group.stateName(), group.type()));
                }
            }
        }
        Set<String> withOffsets;
        try {
            withOffsets = offsets.groups();
        } catch (RuntimeException e) {
            LOG.warnf(e, "Listing groups with committed offsets failed");
            withOffsets = Set.of();
        }
        for (String groupId : withOffsets) {
            listed.putIfAbsent(groupId, new GroupListing(groupId, "", "Empty", GroupType.CLASSIC));
        }
        return listed.values().stream()
                .filter(g -> locator.isLocal(g.groupId()))
                .filter(g -> states.isEmpty() || states.contains(g.state().toLowerCase(Locale.ROOT)))
                .filter(g -> types.isEmpty() || types.contains(g.type().label()))
                .sorted((a, b) -> a.groupId().compareTo(b.groupId()))
                .collect(Collectors.toList());
    }

    /**
     * DescribeGroups view of a classic group; an id with only committed offsets is an Empty group.
     * Null when no classic group of that id exists.
     */
    public ClassicGroupDescription describeClassic(String groupId) {
        Group group = registry.get(groupId);
        if (group instanceof ClassicGroup c) {
            synchronized (c) {
                if (!c.isDead()) {
                    return c.describe();
                }
            }
        } else if (group != null) {
            return null;
        }
        if (!hasOffsets(groupId)) {
            return null;
        }
        return new ClassicGroupDescription(groupId, "Empty", "", "", List.of());
    }

    /** True if a group of that id is known: in memory, or with committed offsets. */
    public boolean exists(String groupId) {
        Group group = registry.get(groupId);
        return (group != null && !group.isDead()) || hasOffsets(groupId);
    }

    /** DeleteGroups: only groups without members; their committed offsets go with them. */
    public Map<String, GroupError> deleteGroups(Collection<String> groupIds) {
        Map<String, GroupError> result = new LinkedHashMap<>();
        for (String groupId : groupIds) {
            GroupError error = checkCoordinator(groupId);
            result.put(groupId, error == GroupError.NONE ? deleteGroup(groupId) : error);
        }
        return result;
    }

    private GroupError deleteGroup(String groupId) {
        Group group = registry.get(groupId);
        boolean existed = false;
        if (group != null) {
            synchronized (group) {
                if (!group.isDead()) {
                    if (!group.isEmpty()) {
                        return GroupError.NON_EMPTY_GROUP;
                    }
                    registry.remove(group);
                    existed = true;
                }
            }
        }
        synchronized (offsetLock(groupId)) {
            try {
                existed |= !groupId.isEmpty() && offsets.deleteGroup(groupId); // the empty id has no stored offsets
            } catch (RuntimeException e) {
                LOG.warnf(e, "Deleting offsets of group %s failed", groupId);
                return GroupError.COORDINATOR_NOT_AVAILABLE;
            }
        }
        if (existed) {
            LOG.infof("Deleted group %s", groupId);
        }
        return existed ? GroupError.NONE : GroupError.GROUP_ID_NOT_FOUND;
    }

    /**
     * The group's committed offsets. The empty group id never has any (commits to it are refused), and the
     * durable store cannot key it, so it is not asked.
     */
    private Map<PartitionId, CommittedOffset> storedOffsets(String groupId) {
        return groupId == null || groupId.isEmpty() ? Map.of() : offsets.fetchAll(groupId);
    }

    private boolean hasOffsets(String groupId) {
        try {
            return !storedOffsets(groupId).isEmpty();
        } catch (RuntimeException e) {
            LOG.warnf(e, "Reading offsets of group %s failed", groupId);
            return false;
        }
    }

    // ------------------------------------------------------------------ housekeeping

    /** Forgets groups that have had no members and no committed offsets since the last pass. */
    private void scheduleCleanup() {
        if (config.emptyGroupCleanupIntervalMs() <= 0) {
            return;
        }
        timer.schedule(config.emptyGroupCleanupIntervalMs(), () -> {
            if (closed) {
                return;
            }
            try {
                removeEmptyGroups();
            } finally {
                scheduleCleanup();
            }
        });
    }

    void removeEmptyGroups() {
        Set<String> withOffsets = new HashSet<>();
        try {
            withOffsets.addAll(offsets.groups());
        } catch (RuntimeException e) {
            return;
        }
        for (Group group : registry.all()) {
            synchronized (group) {
                if (!group.isDead() && group.isEmpty() && !withOffsets.contains(group.groupId())) {
                    registry.remove(group);
                }
            }
        }
    }

    private Object offsetLock(String groupId) {
        return offsetLocks[(groupId.hashCode() & 0x7fffffff) % OFFSET_LOCK_STRIPES];
    }

    private static Set<String> lower(Collection<String> values) {
        Set<String> out = new HashSet<>();
        if (values != null) {
            values.forEach(v -> out.add(v.toLowerCase(Locale.ROOT)));
        }
        return out;
    }

    /** Answers every waiting join and sync (members retry elsewhere or after a restart) and stops the timers. */
    @Override
    public void close() {
        closed = true;
        for (Group group : registry.all()) {
            synchronized (group) {
                registry.remove(group);
            }
        }
        timer.close();
    }

    /** Groups in memory, for metrics: state name → count. */
    public Map<String, Integer> groupCountsByState() {
        Map<String, Integer> counts = new HashMap<>();
        for (Group group : registry.all()) {
            synchronized (group) {
                if (!group.isDead()) {
                    counts.merge(group.type().label() + ":" + group.stateName(), 1, Integer::sum);
                }
            }
        }
        return counts;
    }
}
