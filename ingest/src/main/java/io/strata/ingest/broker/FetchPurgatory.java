package io.strata.ingest.broker;

import io.netty.util.HashedWheelTimer;
import io.netty.util.Timeout;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.apache.kafka.common.TopicPartition;

import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * Long-poll fetches waiting for data (Fetch max.wait.ms / min.bytes).
 *
 * <p>A waiting fetch completes exactly once: when appends to the partitions it watches add up to the
 * bytes it still needs, when its wait expires, or at shutdown. Completion runs on the thread that
 * triggered it (an appending handler or the timer), so it must stay short: it re-reads the log
 * and hands the response to the connection. Thread-safe.
 */
public final class FetchPurgatory implements AutoCloseable {

    private final HashedWheelTimer timer = new HashedWheelTimer(
            new DefaultThreadFactory("strata-fetch-timer", true), 5, TimeUnit.MILLISECONDS);
    private final Map<TopicPartition, Set<DelayedFetch>> watchers = new ConcurrentHashMap<>();

    /**
     * Parks a fetch.
     *
     * @param partitions   what it reads
     * @param bytesNeeded  bytes that must arrive before it is worth answering
     * @param maxWaitMs    longest wait
     * @param changedSinceRead true if the partitions moved since the fetch read them (closes the
     *                     race between reading and parking)
     * @param onComplete   builds and sends the answer
     */
    public void park(Collection<TopicPartition> partitions, long bytesNeeded, long maxWaitMs,
                     BooleanSupplier changedSinceRead, Runnable onComplete) {
        DelayedFetch op = new DelayedFetch(partitions, bytesNeeded, onComplete);
        for (TopicPartition tp : partitions) {
            watchers.computeIfAbsent(tp, k -> ConcurrentHashMap.newKeySet()).add(op);
        }
        op.timeout = timer.newTimeout(t -> complete(op), maxWaitMs, TimeUnit.MILLISECONDS);
        if (changedSinceRead.getAsBoolean()) {
            complete(op);
        }
    }

    /** Called after every append: wakes fetches that now have enough bytes. */
    public void onAppend(TopicPartition tp, long bytes) {
        Set<DelayedFetch> ops = watchers.get(tp);
        if (ops == null || ops.isEmpty()) {
            return;
        }
        for (DelayedFetch op : ops) {
            if (op.bytesArrived.addAndGet(bytes) >= op.bytesNeeded) {
                complete(op);
            }
        }
    }

    /** Answers every waiting fetch now. */
    public void completeAll() {
        for (Set<DelayedFetch> ops : watchers.values()) {
            for (DelayedFetch op : ops) {
                complete(op);
            }
        }
    }

    private void complete(DelayedFetch op) {
        if (!op.completed.compareAndSet(false, true)) {
            return;
        }
        Timeout timeout = op.timeout;
        if (timeout != null) {
            timeout.cancel();
        }
        for (TopicPartition tp : op.partitions) {
            Set<DelayedFetch> ops = watchers.get(tp);
            if (ops != null) {
                ops.remove(op);
            }
        }
        op.onComplete.run();
    }

    @Override
    public void close() {
        completeAll();
        timer.stop();
    }

    private static final class DelayedFetch {
        final Collection<TopicPartition> partitions;
        final long bytesNeeded;
        final Runnable onComplete;
        final AtomicLong bytesArrived = new AtomicLong();
        final AtomicBoolean completed = new AtomicBoolean();
        volatile Timeout timeout;

        DelayedFetch(Collection<TopicPartition> partitions, long bytesNeeded, Runnable onComplete) {
            this.partitions = partitions;
            this.bytesNeeded = bytesNeeded;
            this.onComplete = onComplete;
        }
    }
}
