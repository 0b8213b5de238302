package io.strata.storage.log;

import java.util.List;
import java.util.Optional;

/**
 * What object storage holds of a partition, given to {@link PartitionLog#open} so that a log whose
 * older segments live only remotely (or a node with an empty data directory) starts in the right
 * place: the log start offset is the remote one, and an empty local log begins at the remote end.
 *
 * @param logStartOffset    the partition's log start offset (remote retention moves it)
 * @param endOffset         offset after the last uploaded batch
 * @param leaderEpochs      leader-epoch history of the uploaded segments, ascending
 * @param producerSnapshot  idempotent-producer state as of {@code endOffset} (our snapshot format), when uploaded
 */
public record RemoteLogBounds(long logStartOffset, long endOffset, List<EpochStart> leaderEpochs,
                              Optional<byte[]> producerSnapshot) {
    public RemoteLogBounds {
        if (logStartOffset < 0 || endOffset < logStartOffset) {
            throw new IllegalArgumentException("bad remote bounds [" + logStartOffset + ", " + endOffset + ")");
        }
        leaderEpochs = List.copyOf(leaderEpochs);
    }
}
