package io.strata.ingest.group.classic;

import io.strata.ingest.group.GroupError;

/** The answer to a SyncGroup: this member's assignment. */
public record SyncResult(GroupError error, String protocolType, String protocolName, byte[] assignment) {

    private static final byte[] EMPTY = new byte[0];

    public static SyncResult error(GroupError error) {
        return new SyncResult(error, null, null, EMPTY);
    }
}
