package io.strata.storage.log;

import io.strata.storage.log.TestSupport.ManualTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static io.strata.storage.log.TestSupport.T0;
import static io.strata.storage.log.TestSupport.batch;
import static io.strata.storage.log.TestSupport.readAll;
import static org.assertj.core.api.Assertions.assertThat;

class FlushTest {

    @TempDir
    Path tmp;

    private final ManualTime time = new ManualTime(T0);

    @Test
    void flushAdvancesTheRecoveryPointToEverythingWritten() throws Exception {
        try (PartitionLog log = TestSupport.open(tmp, LogConfig.defaults(), time)) {
            assertThat(log.recoveryPoint()).isZero();
            log.appendAsLeader(batch(3, T0, "a"), 0);
            log.appendAsLeader(batch(3, T0, "b"), 0);
            assertThat(log.recoveryPoint()).isZero();
            // Group commit: asking for offset 1 syncs all six records.
            log.flush(1);
            assertThat(log.recoveryPoint()).isEqualTo(6);
            log.flush(4); // already covered: returns at once
            assertThat(log.recoveryPoint()).isEqualTo(6);
            log.appendAsLeader(batch(1, T0, "c"), 0);
            log.flush();
            assertThat(log.recoveryPoint()).isEqualTo(7);
        }
    }

    @Test
    void concurrentAppendersAndFlushersAllEndUpCovered() throws Exception {
        LogConfig config = TestSupport.config(Map.of("segment.bytes", "5000"));
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (PartitionLog log = TestSupport.open(tmp, config, time)) {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                futures.add(pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < 50; i++) {
                        LogAppendInfo info = log.appendAsLeader(batch(2, T0, "w"), 0);
                        log.flush(info.lastOffset() + 1);
                        assertThat(log.recoveryPoint()).isGreaterThan(info.lastOffset());
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : futures) {
                f.get(30, TimeUnit.SECONDS);
            }
            assertThat(log.logEndOffset()).isEqualTo(400);
            assertThat(log.recoveryPoint()).isEqualTo(400);
            assertThat(log.numberOfSegments()).isGreaterThan(1);
            assertThat(readAll(log, 0, 4096)).hasSize(400);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void flushIfDueHonoursFlushMs() throws Exception {
        LogConfig config = TestSupport.config(Map.of("flush.ms", "1000"));
        try (PartitionLog log = TestSupport.open(tmp, config, time)) {
            log.appendAsLeader(batch(2, T0, "f"), 0);
            log.flushIfDue(time.milliseconds() + 500);
            assertThat(log.recoveryPoint()).isZero();
            log.flushIfDue(time.milliseconds() + 1000);
            assertThat(log.recoveryPoint()).isEqualTo(2);
        }
    }
}
