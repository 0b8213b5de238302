package io.strata.ingest.group;

import java.util.Set;

/**
 * A group known to the coordinator. Every read and change of a group's state happens while holding
 * the group's monitor ({@code synchronized (group)}); a group removed from the registry is marked
 * dead first, so an operation that finds it dead after locking looks it up again.
 */
public abstract class Group {

    private final String groupId;
    private boolean dead;

    protected Group(String groupId) {
        this.groupId = groupId;
    }

    public final String groupId() {
        return groupId;
    }

    public abstract GroupType type();

    /** True when the group has no members. */
    public abstract boolean isEmpty();

    /** The state as Kafka names it (ListGroups, describe). */
    public abstract String stateName();

    /** The protocol type ("consumer" for consumers; "" while unknown). */
    public abstract String protocolType();

    /** Topics the members subscribe to, as far as the coordinator can tell. */
    public abstract Set<String> subscribedTopics();

    /** Stops the group's timers and answers anything still waiting on it. Called once, when it is removed. */
    protected abstract void shutdown();

    public final boolean isDead() {
        return dead;
    }

    final void markDead() {
        if (!dead) {
            dead = true;
            shutdown();
        }
    }
}
