package io.strata.membership.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.splitbrainprotection.SplitBrainProtectionException;

/**
 * Refuses metadata writes on the minority side of a split cluster. Uses the member's Hazelcast
 * split-brain protection rule: at least the configured quorum of members (by default a majority of the
 * configured members), counting this member and those it has received a heartbeat from within the
 * tolerance ({@code MembershipConfig.quorumHeartbeatTolerance}, about two and a half heartbeat intervals).
 * Hazelcast re-evaluates the rule once per heartbeat interval and at every membership change, so a member
 * cut off from its peers sees the quorum go within tolerance + one interval, long before its member list
 * changes.
 *
 * <p>Writes are checked twice: before ({@link #check}) and after ({@link #confirmWritten}). The check after
 * is what makes an acknowledged write safe on a majority. Every metadata map keeps one synchronous backup,
 * and Hazelcast 5.7 completes a write only when the backup has acknowledged it or, failing that, once
 * {@code hazelcast.operation.backup.timeout.millis} has passed since the primary's answer
 * ({@code Invocation.detectAndHandleBackupTimeout}: with the primary still a member, it then completes
 * with the primary's result, without the backup). That time-out is set above the tolerance plus an
 * interval ({@code MembershipConfig.backupTimeout}). So a write that returns either has its backup on a
 * second member, or returned after the time-out, and a member that heard from no peer during it has
 * lost the quorum by then and refuses the write. A write whose primary is on the other side of a split
 * gets no answer until the member list changes; it is then re-run on this member, whose quorum is gone
 * too. Assumed: a clean split (a member hears from either all or none of a side) and clocks that agree
 * to well within a heartbeat interval (a heartbeat carries the sender's cluster time).
 *
 * <p>Why a guard in front of the writes rather than the rule attached to the maps: measured with
 * Hazelcast 5.7, a map with both a {@code MapLoader} and split-brain protection wedges on the
 * minority side after a member dies: the promoted partitions must record their key-load status, that
 * internal operation counts as a write and is refused, and from then on every query on the map
 * (keySet, values, entrySet) fails with "still loading data from external store". With the guard,
 * a minority keeps serving queries and refuses writes (and offset reads, which are confirmed like writes), and
 * the maps recover when the members return.
 */
public final class WriteQuorum {

    private final HazelcastInstance hz;
    private final String protectionName;
    private final int required;

    public WriteQuorum(HazelcastInstance hz, String protectionName, int required) {
        this.hz = hz;
        this.protectionName = protectionName;
        this.required = required;
    }

    /**
     * Whether this member has recently heard from at least the quorum of members (itself included). A
     * quorum of one is always present: Hazelcast reports the minimum size only after its first
     * evaluation, one heartbeat interval after start, which would hold up a lone node's start.
     */
    public boolean present() {
        return required <= 1
                || hz.getSplitBrainProtectionService().getSplitBrainProtection(protectionName).hasMinimumSize();
    }

    /** @throws SplitBrainProtectionException when this member is on a minority side */
    public void check() {
        if (!present()) {
            throw new SplitBrainProtectionException("Metadata writes need " + required + " cluster members; this member sees "
                    + hz.getCluster().getMembers().size());
        }
    }

    /**
     * Called after a write returned and before it is acknowledged: the write may be on this side of a
     * split only (see the class comment); the caller must then answer with a retriable error, as for a
     * write that failed. Whether it is applied is then unknown, as for any write without an answer.
     *
     * @throws SplitBrainProtectionException when the quorum is gone
     */
    public void confirmWritten() {
        if (!present()) {
            throw new SplitBrainProtectionException("Metadata write not acknowledged: the quorum of " + required
                    + " members was lost while it ran; it may not be on a majority");
        }
    }

    /**
     * Called after a read that waited for the entry's backup, like a write (e.g. an entry processor with a
     * backup processor), and before its value is used: the same reasoning as {@link #confirmWritten} then
     * shows the value read is on a majority, so it cannot vanish when a split heals.
     *
     * @throws SplitBrainProtectionException when the quorum is gone
     */
    public void confirmRead() {
        if (!present()) {
            throw new SplitBrainProtectionException("Metadata read not confirmed: the quorum of " + required
                    + " members was lost while it ran; what it read may not be on a majority");
        }
    }

    public int required() {
        return required;
    }
}
