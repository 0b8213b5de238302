package io.strata.ingest.broker;

import io.netty.util.HashedWheelTimer;
import io.netty.util.Timeout;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.apache.kafka.common.protocol.Errors;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * acks=all produces waiting for the in-sync replicas (Kafka's DelayedProduce): each waits for its
 * partition's high watermark to pass the end of its batches, without holding a thread.
 *
 * <p>A waiter completes exactly once: NONE when the high watermark reached its offset and the ISR
 * had at least min.insync.replicas members, NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR had shrunk
 * below that, REQUEST_TIMED_OUT when the request's timeout passed first, or the error leadership
 * moved with. Completion runs on the thread that moved the high watermark (a network thread answering
 * a follower's fetch) or on the timer, so it stays short. Thread-safe.
 */
public final class ProducePurgatory implements AutoCloseable {

    private final HashedWheelTimer timer = new HashedWheelTimer(
            new DefaultThreadFactory("strata-produce-timer", true), 5, TimeUnit.MILLISECONDS);

    /** The waiters of one partition. */
    Waiters newWaiters() {
        return new Waiters();
    }

    @Override
    public void close() {
        timer.stop();
    }

    /** acks=all produces of one partition, ordered by the offset they wait for. */
    final class Waiters {
        private final PriorityQueue<Waiter> queue = new PriorityQueue<>((a, b) -> Long.compare(a.requiredOffset, b.requiredOffset));

        CompletableFuture<Errors> await(long requiredOffset, int minInsyncReplicas, long timeoutMs,
                                        long highWatermark, int isrSize) {
            Waiter w = new Waiter(requiredOffset, minInsyncReplicas);
            if (highWatermark >= requiredOffset) {
                w.future.complete(w.outcome(isrSize));
                return w.future;
            }
            synchronized (this) {
                queue.add(w);
            }
            w.timeout = timer.newTimeout(t -> {
                synchronized (this) {
                    queue.remove(w);
                }
                w.future.complete(Errors.REQUEST_TIMED_OUT);
            }, Math.max(1, timeoutMs), TimeUnit.MILLISECONDS);
            return w.future;
        }

        /** The high watermark is now {@code highWatermark}: completes every waiter it covers. */
        void recheck(long highWatermark, int isrSize) {
            List<Waiter> done;
            synchronized (this) {
                if (queue.isEmpty() || queue.peek().requiredOffset > highWatermark) {
                    return;
                }
                done = new ArrayList<>();
                while (!queue.isEmpty() && queue.peek().requiredOffset <= highWatermark) {
                    done.add(queue.poll());
                }
            }
            for (Waiter w : done) {
                w.finish(w.outcome(isrSize));
            }
        }

        /** Leadership moved: every waiter fails with {@code error}. */
        void failAll(Exception error) {
            List<Waiter> all;
            synchronized (this) {
                all = new ArrayList<>(queue);
                queue.clear();
            }
            Errors code = Errors.forException(error);
            for (Waiter w : all) {
                w.finish(code);
            }
        }
    }

    private static final class Waiter {
        final long requiredOffset;
        final int minInsyncReplicas;
        final CompletableFuture<Errors> future = new CompletableFuture<>();
        volatile Timeout timeout;

        Waiter(long requiredOffset, int minInsyncReplicas) {
            this.requiredOffset = requiredOffset;
            this.minInsyncReplicas = minInsyncReplicas;
        }

        Errors outcome(int isrSize) {
            return isrSize >= minInsyncReplicas ? Errors.NONE : Errors.NOT_ENOUGH_REPLICAS_AFTER_APPEND;
        }

        void finish(Errors error) {
            Timeout t = timeout;
            if (t != null) {
                t.cancel();
            }
            future.complete(error);
        }
    }
}
