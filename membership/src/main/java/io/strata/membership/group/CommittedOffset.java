package io.strata.membership.group;

/**
 * A committed consumer offset.
 *
 * @param offset          the next offset the group will consume, {@code >= 0}
 * @param leaderEpoch     leader epoch of the last consumed record, -1 when unknown
 * @param metadata        the client's metadata string; may be null
 * @param commitTimestamp when the offset was committed (epoch milliseconds)
 */
public record CommittedOffset(long offset, int leaderEpoch, String metadata, long commitTimestamp) {

    public static final int NO_LEADER_EPOCH = -1;

    public CommittedOffset {
        if (offset < 0) {
            throw new IllegalArgumentException("offset must be >= 0, got " + offset);
        }
    }
}
