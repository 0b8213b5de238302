package io.strata.storage.remote;

import io.strata.storage.log.EpochStart;

import java.util.List;

/**
 * One uploaded segment as the partition manifest lists it. Its objects are
 * {@code <partition root>/<objectStem>.log}, {@code .index}, {@code .timeindex} and, when
 * {@code producerSnapshot} is true, {@code .snapshot} (see docs/tiered-storage-format.md). Immutable.
 *
 * @param baseOffset        offset of the first batch
 * @param nextOffset        offset after the last batch
 * @param sizeInBytes       length of the {@code .log} object
 * @param maxTimestamp      largest batch timestamp, -1 when none
 * @param objectStem        key of the segment's objects relative to the partition root, without extension
 * @param producerSnapshot  whether a {@code .snapshot} object (producer state as of {@code nextOffset}) exists
 * @param leaderEpochs      epochs in force within the segment, the first starting at {@code baseOffset}
 * @param uploadedAtMs      wall-clock time of the upload (retention of segments without timestamps)
 */
public record RemoteSegment(long baseOffset, long nextOffset, long sizeInBytes, long maxTimestamp, String objectStem,
                            boolean producerSnapshot, List<EpochStart> leaderEpochs, long uploadedAtMs) {
    public RemoteSegment {
        if (nextOffset <= baseOffset) {
            throw new IllegalArgumentException("segment " + baseOffset + " has next offset " + nextOffset);
        }
        leaderEpochs = leaderEpochs == null ? List.of() : List.copyOf(leaderEpochs);
    }

    /** The timestamp retention.ms compares: the largest record timestamp, else the upload time. */
    public long retentionTimestamp() {
        return maxTimestamp >= 0 ? maxTimestamp : uploadedAtMs;
    }
}
