package io.strata.storage.log;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InconsistentTopicIdException;
import org.apache.kafka.common.record.internal.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Opens a partition directory for {@link PartitionLog}: checks the topic id, seeds a fresh directory
 * from object storage, has {@link LocalLog} open (and recover) the segments, then derives the state
 * the segments alone do not hold: the log start offset, the leader epochs (trimmed to the log and
 * completed from recovered batches), the producer state (snapshot plus replay) and the recovery point.
 *
 * <p>Thread-safety: used by one thread while the log is not yet published; {@link #rebuildProducerState}
 * is called under the owning log's lock.
 */
final class LogLoader {

    private static final Logger LOG = LoggerFactory.getLogger(LogLoader.class);

    /** Everything a {@link PartitionLog} starts from. */
    record Loaded(Uuid topicId, LocalLog local, LeaderEpochCache epochs, ProducerStateManager producerState,
                  long logStartOffset, long remoteEndOffset) {
    }

    private LogLoader() {
    }

    /** See {@link PartitionLog#open(Path, TopicPartition, Uuid, LogConfig, long, long, boolean, Time, RemoteLogBounds)}. */
    static Loaded load(Path dir, TopicPartition tp, Uuid topicId, LogConfig config, long recoveryPoint,
                       long logStartCheckpoint, boolean hadCleanShutdown, Time time, RemoteLogBounds remote)
            throws IOException {
        Files.createDirectories(dir);
        Optional<Uuid> stored = PartitionMetadataFile.read(dir);
        Uuid effectiveId = topicId;
        boolean knownId = topicId != null && !Uuid.ZERO_UUID.equals(topicId);
        if (stored.isPresent()) {
            if (knownId && !stored.get().equals(topicId)) {
                throw new InconsistentTopicIdException("Partition directory " + dir + " belongs to topic id "
                        + stored.get() + ", not " + topicId);
            }
            effectiveId = stored.get();
        } else if (knownId) {
            PartitionMetadataFile.write(dir, topicId);
        }
        LeaderEpochCache epochs = LeaderEpochCache.load(dir);
        if (remote != null && !LocalLog.hasSegments(dir)) {
            // A fresh directory continues from object storage: its epochs and producer state come from there.
            if (epochs.entries().isEmpty() && !remote.leaderEpochs().isEmpty()) {
                for (EpochStart e : remote.leaderEpochs()) {
                    epochs.assign(e.epoch(), e.startOffset());
                }
                epochs.persist();
            }
            if (remote.producerSnapshot().isPresent()) {
                CheckpointFile.writeAtomically(ProducerStateManager.snapshotFile(dir, remote.endOffset()),
                        ByteBuffer.wrap(remote.producerSnapshot().get()));
            }
        }

        long now = time.milliseconds();
        long emptyBase = Math.max(Math.max(0L, logStartCheckpoint), remote == null ? 0L : remote.endOffset());
        // The checkpoint is written before the first batch of a new epoch, so it already knows every
        // epoch in the log; the scan only fills in epochs newer than it knows (a lost checkpoint).
        LocalLog local = LocalLog.open(dir, tp, config, time, recoveryPoint, hadCleanShutdown, emptyBase, batch -> {
            OptionalInt latest = epochs.latestEpoch();
            if (latest.isEmpty() || batch.partitionLeaderEpoch() > latest.getAsInt()) {
                epochs.assign(batch.partitionLeaderEpoch(), batch.baseOffset());
            }
        });
        long logEndOffset = local.logEndOffset();
        boolean epochsChanged = local.recovered();
        // Epochs starting after the end go. One starting exactly at the end stays: it is the epoch this
        // replica last led or followed, with no batch of it left (an empty log, or a torn last batch).
        // Dropping it here only for becoming leader again to write it back cost two checkpoint fsyncs per
        // partition on every restart. A follower still drops it before appending anything: every fetch
        // carries it as the last fetched epoch, a leader whose history differs answers with a diverging
        // epoch, and the truncation that follows drops epochs starting at the end (as Kafka's does).
        epochsChanged |= epochs.truncateFromEnd(logEndOffset + 1);
        long start = remote != null && remote.endOffset() > remote.logStartOffset()
                ? Math.min(remote.logStartOffset(), logEndOffset)
                : Math.min(Math.max(logStartCheckpoint, local.firstSegmentBase()), logEndOffset);
        epochsChanged |= epochs.truncateFromStart(start);
        if (epochsChanged) {
            epochs.persist();
        }

        ProducerStateManager producerState = new ProducerStateManager(dir);
        rebuildProducerState(producerState, local, start, now);

        local.setRecoveryPoint(local.recovered() ? logEndOffset
                : Math.min(Math.max(recoveryPoint, start), logEndOffset));
        LOG.info("Opened log {} in {}: start {}, end {}, {} segments{}", tp, dir, start, logEndOffset,
                local.numberOfSegments(), local.recovered() ? " (recovered)" : "");
        return new Loaded(effectiveId == null ? Uuid.ZERO_UUID : effectiveId, local, epochs, producerState, start,
                remote == null ? -1L : remote.endOffset());
    }

    /**
     * Producer state as of the log end: the newest snapshot at or below it (later snapshots are
     * deleted), then the batches after it, then producers whose last batch is below the log start
     * are forgotten.
     */
    static void rebuildProducerState(ProducerStateManager producerState, LocalLog local, long logStartOffset,
                                     long now) throws IOException {
        long logEndOffset = local.logEndOffset();
        long snapshotOffset = producerState.loadLatestSnapshot(logEndOffset);
        long replayFrom = Math.max(snapshotOffset, logStartOffset);
        if (replayFrom < logEndOffset) {
            NavigableMap<Long, LogSegment> segments = local.segments();
            Long fromKey = segments.floorKey(replayFrom);
            for (LogSegment segment : segments.tailMap(fromKey == null ? segments.firstKey() : fromKey, true).values()) {
                int startPos = segment.offsetIndex().lookup(replayFrom).position();
                for (FileChannelRecordBatch batch : segment.log().batchesFrom(startPos)) {
                    if (batch.baseOffset() >= replayFrom) {
                        producerState.replay(batch, now);
                    }
                }
            }
        }
        producerState.truncateHead(logStartOffset);
    }
}
