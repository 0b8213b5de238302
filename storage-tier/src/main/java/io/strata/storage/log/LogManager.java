package io.strata.storage.log;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Optional;
import java.util.Set;

/**
 * API sketch; see the implementation notes in the class that replaces it.
 */
public final class LogManager implements Closeable {

    public LogManager(Path dataDir, Time time) { throw new UnsupportedOperationException(); }

    /** Partitions that have a directory on disk (found at start-up). */
    public Set<TopicPartition> partitionsOnDisk() { throw new UnsupportedOperationException(); }

    /** Opens (recovering) or creates the log of one partition. Idempotent. */
    public PartitionLog getOrCreateLog(TopicPartition tp, Uuid topicId, LogConfig config) throws IOException {
        throw new UnsupportedOperationException();
    }

    public Optional<PartitionLog> getLog(TopicPartition tp) { throw new UnsupportedOperationException(); }
    public Collection<PartitionLog> allLogs() { throw new UnsupportedOperationException(); }
    public void deleteLog(TopicPartition tp) throws IOException { throw new UnsupportedOperationException(); }

    /** Starts the background work: retention, time-based roll, flush.ms, recovery-point checkpoints. */
    public void startBackgroundTasks() { throw new UnsupportedOperationException(); }

    /** Clean shutdown: flush every log, write checkpoints and the clean-shutdown marker. */
    @Override
    public void close() throws IOException { throw new UnsupportedOperationException(); }
}
