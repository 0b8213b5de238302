package io.strata.ingest.tiering;

import io.strata.ingest.broker.Partition;
import io.strata.ingest.broker.TopicManager;
import io.strata.ingest.config.StrataConfig;
import io.strata.storage.log.PartitionLog;
import io.strata.storage.remote.RemoteLogManager;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.common.TopicPartition;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;
import org.jboss.logging.Logger;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The sealed-segment → upload pipeline, a SmallRye Reactive Messaging in-memory channel
 * ({@value #CHANNEL}). A message names a partition that has sealed segments the manifest lacks; it is
 * sent when a roll seals a segment and by a periodic scan (which also covers start-up and anything a
 * full buffer dropped). The consumer uploads the partition's pending segments in offset order; the
 * message is acked once the manifest lists them, and nacked when the object store fails, which
 * schedules the partition again after an exponential back-off. At most one message per partition is
 * in the channel at a time, so a partition's segments are never uploaded concurrently.
 *
 * <p>The same scheduler applies remote retention and refreshes the backlog that
 * {@link TieringBackpressure} enforces. Uploads run on one dedicated thread, never on an event loop.
 */
@ApplicationScoped
public class TieringPipeline {

    private static final Logger LOG = Logger.getLogger(TieringPipeline.class);

    static final String CHANNEL = "sealed-segments";

    @Inject
    @Channel(CHANNEL)
    @OnOverflow(value = OnOverflow.Strategy.BUFFER, bufferSize = 4096)
    Emitter<TopicPartition> emitter;

    private final Set<TopicPartition> queued = ConcurrentHashMap.newKeySet();
    /** Failures in a row per partition and when it may be tried again. */
    private final Map<TopicPartition, long[]> backoff = new ConcurrentHashMap<>();
    private volatile RemoteLogManager remote;
    private volatile TopicManager topics;
    private volatile TieringBackpressure backpressure;
    private volatile StrataConfig.Tiering config;
    private ScheduledExecutorService scheduler;
    private ExecutorService uploader;

    /** Starts scanning and retention; called by the node once logs are open. */
    public synchronized void start(RemoteLogManager remote, TopicManager topics, TieringBackpressure backpressure,
                                   StrataConfig.Tiering config) {
        this.remote = remote;
        this.topics = topics;
        this.backpressure = backpressure;
        this.config = config;
        this.uploader = Executors.newSingleThreadExecutor(r -> daemon(r, "strata-tiering-upload"));
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "strata-tiering"));
        scheduler.scheduleWithFixedDelay(this::scan, 0, config.scanInterval().toMillis(), TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(this::applyRetention, config.retentionCheckInterval().toMillis(),
                config.retentionCheckInterval().toMillis(), TimeUnit.MILLISECONDS);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /**
     * Asks for the upload of a partition's sealed segments, unless a request is already in the channel
     * or the partition waits out a back-off after a failure (its retry is scheduled).
     */
    public void requestUpload(TopicPartition tp) {
        long[] state = backoff.get(tp);
        if (remote == null || (state != null && state[1] > System.currentTimeMillis()) || !queued.add(tp)) {
            return;
        }
        Message<TopicPartition> message = Message.of(tp)
                .withAck(() -> {
                    queued.remove(tp);
                    if (backoff.remove(tp) != null) {
                        LOG.infof("Tiering of %s caught up after failures", tp);
                    }
                    return CompletableFuture.completedFuture(null);
                })
                .withNack(error -> {
                    queued.remove(tp);
                    long failures = backoff.containsKey(tp) ? backoff.get(tp)[0] + 1 : 1;
                    long delay = Math.min(config.maxRetryBackoff().toMillis(),
                            config.retryBackoff().toMillis() << Math.min(20, failures - 1));
                    backoff.put(tp, new long[]{failures, System.currentTimeMillis() + delay});
                    LOG.warnf("Upload of sealed segments of %s failed (attempt %d), retrying in %d ms: %s", tp, failures,
                            delay, error.getMessage());
                    scheduler.schedule(() -> requestUpload(tp), delay, TimeUnit.MILLISECONDS);
                    return CompletableFuture.completedFuture(null);
                });
        try {
            emitter.send(message);
        } catch (RuntimeException e) {
            queued.remove(tp); // buffer full or shutting down: the next scan asks again
        }
    }

    /** Uploads the partition's pending segments; completes after their manifest commit. */
    @Incoming(CHANNEL)
    public CompletionStage<Void> upload(Message<TopicPartition> message) {
        TopicPartition tp = message.getPayload();
        return CompletableFuture.runAsync(() -> {
            Partition partition = topics.partition(tp);
            if (partition != null) {
                remote.copySealedSegments(tp, partition.leaderEpoch());
            }
        }, uploader).handle((ignored, error) -> {
            if (error == null) {
                return message.ack();
            }
            return message.nack(error instanceof CompletionException ? error.getCause() : error);
        }).thenCompose(stage -> stage);
    }

    private void scan() {
        try {
            long now = System.currentTimeMillis();
            for (PartitionLog log : remote.tieredLogs()) {
                long[] state = backoff.get(log.topicPartition());
                if (log.untieredSealedBytes() > 0 && (state == null || state[1] <= now)) {
                    requestUpload(log.topicPartition());
                }
            }
            backpressure.update(remote.backlogBytes());
        } catch (RuntimeException e) {
            LOG.warn("Tiering scan failed", e);
        }
    }

    private void applyRetention() {
        for (PartitionLog log : remote.tieredLogs()) {
            Partition partition = topics.partition(log.topicPartition());
            if (partition == null) {
                continue;
            }
            try {
                remote.applyRetention(log.topicPartition(), partition.leaderEpoch());
            } catch (RuntimeException e) {
                LOG.warnf("Remote retention of %s failed: %s", log.topicPartition(), e.getMessage());
            }
        }
    }

    /** Stops scheduling; an upload in progress finishes or is abandoned (it is redone after a restart). */
    public synchronized void stop() {
        if (scheduler != null) {
            scheduler.shutdown();
            uploader.shutdown();
            try {
                // Let a running upload or retention pass end with its manifest commit; then interrupt.
                if (!uploader.awaitTermination(10, TimeUnit.SECONDS) | !scheduler.awaitTermination(5, TimeUnit.SECONDS)) {
                    uploader.shutdownNow();
                    scheduler.shutdownNow();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
