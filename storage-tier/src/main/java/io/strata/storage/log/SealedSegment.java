package io.strata.storage.log;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A segment that no longer takes appends, as the tiering of a log sees it: its files and what a
 * remote copy must record about it. Immutable; the files stay in place until the log deletes the
 * segment, which it does for an uploaded segment only after the upload is confirmed.
 *
 * @param baseOffset         offset of the first batch
 * @param nextOffset         offset after the last batch (the next segment's base offset)
 * @param sizeInBytes        length of the {@code .log} file
 * @param maxTimestamp       largest batch timestamp, -1 when none
 * @param logFile            the {@code .log} file (Kafka's record-batch format)
 * @param offsetIndexFile    the {@code .index} file, trimmed to its entries
 * @param timeIndexFile      the {@code .timeindex} file, trimmed to its entries
 * @param producerSnapshot   the idempotent-producer state as of {@code nextOffset}, when still on disk
 * @param leaderEpochs       the epochs in force within the segment, the first starting at {@code baseOffset}
 */
public record SealedSegment(long baseOffset, long nextOffset, int sizeInBytes, long maxTimestamp, Path logFile,
                            Path offsetIndexFile, Path timeIndexFile, Optional<Path> producerSnapshot,
                            List<EpochStart> leaderEpochs) {
    public SealedSegment {
        if (nextOffset <= baseOffset) {
            throw new IllegalArgumentException("empty segment " + baseOffset);
        }
        leaderEpochs = List.copyOf(leaderEpochs);
    }
}
