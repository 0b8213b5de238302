package io.strata.membership.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.splitbrainprotection.SplitBrainProtectionException;

/**
 * Refuses metadata writes on the minority side of a split cluster. Uses the member's Hazelcast
 * split-brain protection rule (minimum cluster size = the configured quorum, by default a majority
 * of the configured members), evaluated on the membership this member currently sees.
 *
 * <p>Why a guard in front of the writes rather than the rule attached to the maps: measured with
 * Hazelcast 5.7, a map with both a {@code MapLoader} and split-brain protection wedges on the
 * minority side after a member dies: the promoted partitions must record their key-load status, that
 * internal operation counts as a write and is refused, and from then on every query on the map
 * (keySet, values, entrySet) fails with "still loading data from external store". With the guard,
 * a minority keeps serving reads and refuses writes, and the maps recover when the members return.
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
     * Whether this member sees at least the quorum of members. A quorum of one is always present: Hazelcast
     * reports the minimum size only after its first heartbeat round, which would hold up a lone node's start.
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

    public int required() {
        return required;
    }
}
