package io.strata.ingest.group;

/** The rebalance protocol a group uses; its {@link #label()} is what ListGroups and describe report. */
public enum GroupType {
    /** JoinGroup / SyncGroup / Heartbeat, assignment computed by the group leader (client side). */
    CLASSIC("classic"),
    /** ConsumerGroupHeartbeat (KIP-848), assignment computed by the coordinator. */
    CONSUMER("consumer");

    private final String label;

    GroupType(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
