package io.strata.membership.hazelcast;

import com.hazelcast.internal.util.ConcurrencyUtil;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Gives Hazelcast a pooled executor for the callbacks of its internal futures on machines with fewer than
 * three cores.
 *
 * <p>Hazelcast runs those callbacks on the common fork-join pool, unless its parallelism is 1 (two cores or
 * fewer, or {@code java.util.concurrent.ForkJoinPool.common.parallelism=1}): then it starts a new thread for
 * every callback. A member that loads its metadata maps at start-up completes an operation per map and
 * partition, so on a 2-core machine it started about 1,900 threads before it joined. This pool reuses idle
 * threads for a minute and grows as far as Hazelcast's own fallback would, so nothing that completes a future
 * waits for a free thread.
 *
 * <p>Installed once per JVM (Hazelcast keeps the executor in a static field shared by all its instances);
 * thread-safe.
 */
final class HazelcastAsyncExecutor {

    private static final AtomicInteger INSTALLED = new AtomicInteger();

    private HazelcastAsyncExecutor() {
    }

    /** Replaces Hazelcast's thread-per-callback fallback with a pool; a no-op where it uses the common pool. */
    static void install() {
        if (ForkJoinPool.getCommonPoolParallelism() > 1 || !INSTALLED.compareAndSet(0, 1)) {
            return;
        }
        AtomicInteger threads = new AtomicInteger();
        ExecutorService pool = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS,
                new SynchronousQueue<>(), r -> {
                    Thread t = new Thread(r, "hz-async-callback-" + threads.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        ConcurrencyUtil.setDefaultAsyncExecutor(pool);
    }
}
