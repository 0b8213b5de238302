package io.strata.storage.log;

/**
 * One entry of a leader-epoch history: {@code epoch} was the leader epoch of the batches from
 * {@code startOffset} on (until the next entry). Immutable.
 */
public record EpochStart(int epoch, long startOffset) {
    public EpochStart {
        if (epoch < 0 || startOffset < 0) {
            throw new IllegalArgumentException("epoch and start offset must not be negative: " + epoch + ", " + startOffset);
        }
    }
}
