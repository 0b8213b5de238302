package io.strata.storage.log;

/**
 * Answer to "where does leader epoch N end?" (OffsetForLeaderEpoch): the largest epoch not above the
 * requested one, and the start offset of the next larger epoch (or the log end offset when the
 * requested epoch is the latest). Both are -1 when the log knows no such epoch.
 */
public record EpochEndOffset(int leaderEpoch, long endOffset) {
    public static final EpochEndOffset UNDEFINED = new EpochEndOffset(-1, -1L);
}
