package io.strata.ingest.observability;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.strata.storage.log.PartitionLog;
import io.strata.storage.remote.ObjectStore;
import io.strata.storage.remote.RemoteLogManager;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.ApiKeys;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The node's Prometheus metrics (served at /q/metrics): bytes and records in and out per topic,
 * request latency per API, log size per partition. Meters are created once and cached, so the
 * request path only increments.
 */
@Singleton
public class BrokerMetrics {

    private final MeterRegistry registry;
    private final Counter isrShrinks;
    private final Counter isrExpands;
    private io.strata.ingest.broker.FetchSessionCache fetchSessions;
    private volatile java.util.function.LongSupplier followerFetchedBytes = () -> 0L;
    private volatile java.util.function.Supplier<Number> uncleanElections = () -> 0;
    private final Map<ApiKeys, Timer> requestTimers = new EnumMap<>(ApiKeys.class);
    private final Map<String, TopicMeters> topics = new ConcurrentHashMap<>();
    private final Map<TopicPartition, Meter> logSizes = new ConcurrentHashMap<>();

    @Inject
    public BrokerMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.isrShrinks = Counter.builder("strata.replication.isr.shrinks")
                .description("Followers dropped from an ISR by this node as leader").register(registry);
        this.isrExpands = Counter.builder("strata.replication.isr.expands")
                .description("Followers added back to an ISR by this node as leader").register(registry);
        for (ApiKeys api : ApiKeys.values()) {
            requestTimers.put(api, Timer.builder("strata.kafka.request")
                    .description("Time from receipt of a Kafka request to its response being queued")
                    .tag("api", api.name)
                    .register(registry));
        }
    }

    public void recordRequest(ApiKeys api, long nanos) {
        requestTimers.get(api).record(nanos, TimeUnit.NANOSECONDS);
    }

    public void recordIn(String topic, long bytes, long records) {
        TopicMeters m = topic(topic);
        m.bytesIn.increment(bytes);
        m.recordsIn.increment(records);
    }

    public void recordOut(String topic, long bytes, long records) {
        TopicMeters m = topic(topic);
        m.bytesOut.increment(bytes);
        m.recordsOut.increment(records);
    }

    public void registerLog(PartitionLog log) {
        TopicPartition tp = log.topicPartition();
        logSizes.computeIfAbsent(tp, k -> Gauge.builder("strata.log.size", log, PartitionLog::sizeInBytes)
                .description("Bytes of the partition's log on local disk")
                .baseUnit("bytes")
                .tags(Tags.of("topic", tp.topic(), "partition", Integer.toString(tp.partition())))
                .register(registry));
    }

    /** The replica left this node: its log gauge goes (a later replica registers its own log). */
    public void unregisterLog(TopicPartition tp) {
        Meter gauge = logSizes.remove(tp);
        if (gauge != null) {
            registry.remove(gauge);
        }
    }

    public void removeTopic(String topic, List<TopicPartition> partitions) {
        for (TopicPartition tp : partitions) {
            Meter gauge = logSizes.remove(tp);
            if (gauge != null) {
                registry.remove(gauge);
            }
        }
        TopicMeters m = topics.remove(topic);
        if (m != null) {
            registry.remove(m.bytesIn);
            registry.remove(m.bytesOut);
            registry.remove(m.recordsIn);
            registry.remove(m.recordsOut);
        }
    }

    /** The registry behind these metrics, for components that publish their own. */
    public MeterRegistry registry() {
        return registry;
    }

    /** The leader changed a partition's ISR: shrink or expand (Kafka's IsrShrinksPerSec / IsrExpandsPerSec). */
    public void isrChanged(boolean shrink) {
        (shrink ? isrShrinks : isrExpands).increment();
    }

    /**
     * Bytes of record batches this node's replica fetchers appended as follower (Kafka's
     * ReplicaFetcherManager BytesPerSec): what catching up a new or lagging replica copied.
     */
    public void registerFollowerFetches(java.util.function.LongSupplier fetchedBytes) {
        // Micrometer holds the measured object weakly: measure through this (a singleton), which keeps the supplier.
        this.followerFetchedBytes = fetchedBytes;
        FunctionCounter.builder("strata.replication.fetched.bytes", this, m -> (double) m.followerFetchedBytes.getAsLong())
                .description("Record bytes this node fetched from leaders and appended as follower")
                .baseUnit("bytes").register(registry);
    }

    /**
     * Replication health: partitions this node leads whose ISR lacks some replica, partitions of the
     * cluster without a leader, and unclean leader elections (each may have lost acknowledged records).
     */
    public void registerReplication(java.util.function.Supplier<Number> underReplicated,
                                    java.util.function.Supplier<Number> offline,
                                    java.util.function.Supplier<Number> uncleanElections) {
        Gauge.builder("strata.replication.under.replicated.partitions", underReplicated)
                .description("Partitions led by this node whose in-sync replicas are fewer than their replicas")
                .register(registry);
        Gauge.builder("strata.replication.offline.partitions", offline)
                .description("Partitions of the cluster without a leader (reported by the controller; 0 elsewhere)")
                .register(registry);
        // Weakly held by Micrometer: measure through this, which keeps the supplier (a lambda nobody else keeps).
        this.uncleanElections = uncleanElections;
        FunctionCounter.builder("strata.replication.unclean.leader.elections", this,
                        m -> m.uncleanElections.get().doubleValue())
                .description("Leaders elected outside the in-sync replicas by this node as controller: records may have been lost")
                .register(registry);
    }

    /**
     * Fetch sessions (KIP-227, Kafka's FetchSessionCache metrics): sessions and their partitions held,
     * responses to incremental and to full fetches, sessions evicted and fetches refused for their session.
     */
    public void registerFetchSessions(io.strata.ingest.broker.FetchSessionCache sessions) {
        // Weakly held by Micrometer: keep the cache here too.
        this.fetchSessions = sessions;
        Gauge.builder("strata.fetch.sessions", sessions, io.strata.ingest.broker.FetchSessionCache::size)
                .description("Fetch sessions held by this node").register(registry);
        Gauge.builder("strata.fetch.sessions.partitions", sessions, io.strata.ingest.broker.FetchSessionCache::partitions)
                .description("Partitions over all fetch sessions of this node").register(registry);
        FunctionCounter.builder("strata.fetch.responses.incremental", sessions,
                        io.strata.ingest.broker.FetchSessionCache::incrementalResponses)
                .description("Responses to incremental fetches (only partitions with news)").register(registry);
        FunctionCounter.builder("strata.fetch.responses.full", sessions,
                        io.strata.ingest.broker.FetchSessionCache::fullResponses)
                .description("Responses to full fetches (every requested partition)").register(registry);
        FunctionCounter.builder("strata.fetch.sessions.evictions", sessions,
                        io.strata.ingest.broker.FetchSessionCache::evictions)
                .description("Fetch sessions evicted to make room for new ones").register(registry);
        FunctionCounter.builder("strata.fetch.sessions.errors", sessions,
                        io.strata.ingest.broker.FetchSessionCache::sessionErrors)
                .description("Fetches refused for an unknown session or an out-of-step epoch").register(registry);
    }

    /** Tiered storage: backlog waiting for upload, bytes moved, failures, breaker state, read cache. */
    public void registerTiering(RemoteLogManager remote) {
        ObjectStore store = remote.store();
        Gauge.builder("strata.tiering.backlog.bytes", remote, RemoteLogManager::backlogBytes)
                .description("Bytes of sealed segments not yet confirmed in the object store").baseUnit("bytes")
                .register(registry);
        Gauge.builder("strata.tiering.backlog.segments", remote, RemoteLogManager::backlogSegments)
                .description("Sealed segments not yet confirmed in the object store").register(registry);
        FunctionCounter.builder("strata.tiering.uploaded.bytes", store, ObjectStore::bytesUploaded)
                .description("Bytes uploaded to the object store").baseUnit("bytes").register(registry);
        FunctionCounter.builder("strata.tiering.downloaded.bytes", store, ObjectStore::bytesDownloaded)
                .description("Bytes downloaded from the object store").baseUnit("bytes").register(registry);
        FunctionCounter.builder("strata.tiering.errors", store, ObjectStore::failures)
                .description("Object-store calls that failed after retries or were refused by the open circuit breaker")
                .register(registry);
        FunctionCounter.builder("strata.tiering.segments.copied", remote, RemoteLogManager::segmentsCopied)
                .description("Segments uploaded and committed to their manifest").register(registry);
        FunctionCounter.builder("strata.tiering.segments.deleted", remote, RemoteLogManager::segmentsDeleted)
                .description("Remote segments deleted by retention").register(registry);
        Gauge.builder("strata.tiering.object.store.available", store, s -> s.unavailable() ? 0 : 1)
                .description("1 while the object store's circuit breaker lets calls through").register(registry);
        Gauge.builder("strata.tiering.read.cache.bytes", remote, RemoteLogManager::cachedBytes)
                .description("Bytes of remote segment chunks in the read-ahead cache").baseUnit("bytes").register(registry);
    }

    private TopicMeters topic(String topic) {
        return topics.computeIfAbsent(topic, t -> new TopicMeters(registry, t));
    }

    private static final class TopicMeters {
        final Counter bytesIn;
        final Counter recordsIn;
        final Counter bytesOut;
        final Counter recordsOut;

        TopicMeters(MeterRegistry registry, String topic) {
            bytesIn = Counter.builder("strata.topic.bytes.in").description("Record bytes appended").tag("topic", topic).register(registry);
            recordsIn = Counter.builder("strata.topic.records.in").description("Records appended").tag("topic", topic).register(registry);
            bytesOut = Counter.builder("strata.topic.bytes.out").description("Record bytes served to consumers").tag("topic", topic).register(registry);
            recordsOut = Counter.builder("strata.topic.records.out").description("Records served to consumers: the offsets a fetch advanced over").tag("topic", topic).register(registry);
        }
    }
}
