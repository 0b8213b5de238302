package io.strata.ingest.quota;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.KafkaMetric;
import org.apache.kafka.common.metrics.MetricConfig;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.metrics.Quota;
import org.apache.kafka.common.metrics.QuotaViolationException;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.common.metrics.stats.Rate;
import org.apache.kafka.common.quota.ClientQuotaEntity;
import org.apache.kafka.common.utils.Time;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Client quotas as Apache Kafka's broker enforces them (KIP-13, KIP-55, KIP-124, KIP-219), for any door a client
 * comes in by: a caller records what a (user, client id) used, bytes produced or fetched or request-thread time,
 * and gets back how long that client must be throttled, 0 when it is within its quota.
 *
 * <p>The rate of each quota is measured as Kafka does, with kafka-clients' own {@link Sensor} and {@link Rate} over
 * {@code window.num} samples of {@code window.size.seconds} (Kafka's {@code quota.window.num} = 11 and
 * {@code quota.window.size.seconds} = 1): a rate over at least {@code (num - 1) x size} seconds, so a client may
 * burst up to that many seconds' worth before it is throttled. When a recording takes the rate over the quota,
 * the throttle time is how long the client must then stay idle for the rate to come back to the quota,
 * {@code (rate - quota) / quota x window} (Kafka's {@code QuotaUtils.throttleTime}); for the request quota it is at
 * most one sample window, as in Kafka's {@code ClientRequestQuotaManager}. Which quota applies, and which clients
 * share its rate, is {@link ClientQuotaResolver}'s answer over the cluster's quotas.
 *
 * <p>Cost when no quota is configured: {@link #active()} reads one volatile field; callers check it before anything
 * else, and the record methods check it too. A client no quota applies to is not measured at all.
 *
 * <p>The Kafka listener calls this for Produce (request bytes), Fetch (response bytes) and every request's handler
 * time; HTTP doors may call {@link #recordAndGetThrottleTimeMs} with the same quota types. Rates idle for an hour
 * are dropped (Kafka's sensor expiry). Throttle times are published per quota type and (user, client id) tags as
 * the Micrometer summary {@code strata.quota.throttle.time} (milliseconds). Thread-safe.
 */
public final class QuotaManager implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(QuotaManager.class);
    private static final long INACTIVE_SENSOR_EXPIRATION_SECONDS = 3600;
    private static final int MAX_CACHED = 100_000;
    private static final double NANOS_TO_PERCENTAGE_PER_SECOND = 100.0 / TimeUnit.SECONDS.toNanos(1);

    /** The quotas of one snapshot of the store, with the answers given for it so far. */
    private record State(ClientQuotaResolver resolver, boolean any, Map<String, ClientQuotaResolver.Resolution> cache) {
    }

    private static final ClientQuotaResolver.Resolution NONE = new ClientQuotaResolver.Resolution("", "", -1);

    private final Supplier<Map<ClientQuotaEntity, Map<String, Double>>> quotas;
    private final int samples;
    private final int windowSeconds;
    private final Time time;
    private final MeterRegistry registry;
    private final Metrics metrics;
    private final Map<String, DistributionSummary> throttleSummaries = new ConcurrentHashMap<>();
    private volatile State state;
    /** Mirrors {@code state.any}: the one read on every request when no quota is configured. */
    private volatile boolean active;

    /**
     * @param quotas        the cluster's quotas by entity (e.g. the store's local copy); read again by {@link #refresh}
     * @param samples       quota.window.num (at least 2)
     * @param windowSeconds quota.window.size.seconds (at least 1)
     * @param registry      where throttle times are published; null publishes none
     */
    public QuotaManager(Supplier<Map<ClientQuotaEntity, Map<String, Double>>> quotas, int samples, int windowSeconds,
                        MeterRegistry registry, Time time) {
        if (samples < 2 || windowSeconds < 1) {
            throw new IllegalArgumentException("quota.window.num must be at least 2 and quota.window.size.seconds at "
                    + "least 1, not " + samples + " and " + windowSeconds);
        }
        this.quotas = quotas;
        this.samples = samples;
        this.windowSeconds = windowSeconds;
        this.time = time;
        this.registry = registry;
        this.metrics = new Metrics(new MetricConfig(), List.of(), time, true);
        refresh();
    }

    /** Whether any quota is configured; when false, nothing needs recording. One volatile read. */
    public boolean active() {
        return active;
    }

    /**
     * Reads the quotas again and re-bounds the rates already measured, as Kafka does on a quota change. Call after
     * every change of the quotas.
     */
    public synchronized void refresh() {
        ClientQuotaResolver resolver = new ClientQuotaResolver(quotas.get());
        State next = new State(resolver, resolver.any(), new ConcurrentHashMap<>());
        for (Map.Entry<MetricName, KafkaMetric> e : metrics.metrics().entrySet()) {
            MetricName name = e.getKey();
            for (QuotaType type : QuotaType.values()) {
                if (name.group().equals(type.metricGroup()) && name.name().equals(type.metricName())) {
                    Double limit = resolver.limitForTags(type.configKey(), name.tags().get("user"),
                            name.tags().get("client-id"));
                    e.getValue().config(config(limit == null ? Double.MAX_VALUE : limit));
                }
            }
        }
        state = next;
        active = next.any();
    }

    /**
     * Records that the (user, client id) used {@code value} of the quota (bytes; for {@link QuotaType#REQUEST}
     * percent-seconds, see {@link #nanosToPercentage}) at {@code nowMs} and answers how long it must now be
     * throttled, 0 when it is within its quota or none applies.
     *
     * @param user     the principal's name ({@code KafkaPrincipal.getName()}, e.g. {@code ANONYMOUS})
     * @param clientId the client id, never null ("" when the client sent none)
     */
    public long recordAndGetThrottleTimeMs(QuotaType type, String user, String clientId, double value, long nowMs) {
        if (!active) {
            return 0;
        }
        State s = state;
        ClientQuotaResolver.Resolution r = resolve(s, type, user, clientId);
        if (r == NONE) {
            return 0;
        }
        Sensor sensor = sensor(type, r);
        try {
            sensor.record(value, nowMs, true);
            return 0;
        } catch (QuotaViolationException e) {
            long throttle = throttleTime(e, nowMs);
            if (type == QuotaType.REQUEST) {
                throttle = Math.min(throttle, TimeUnit.SECONDS.toMillis(windowSeconds));
            }
            if (throttle > 0 && registry != null) {
                throttleSummary(type, r).record(throttle);
            }
            return throttle;
        }
    }

    /** As {@link #recordAndGetThrottleTimeMs(QuotaType, String, String, double, long)} at the current time. */
    public long recordAndGetThrottleTimeMs(QuotaType type, String user, String clientId, double value) {
        return active ? recordAndGetThrottleTimeMs(type, user, clientId, value, time.milliseconds()) : 0;
    }

    /**
     * The most the (user, client id) may use at once without being throttled for sure, {@code quota x (num - 1) x
     * size}: Kafka caps a fetch's max bytes to it, so one fetch cannot take many windows' worth. Double.MAX_VALUE
     * without a quota.
     */
    public double maxValueInQuotaWindow(QuotaType type, String user, String clientId) {
        if (!active) {
            return Double.MAX_VALUE;
        }
        ClientQuotaResolver.Resolution r = resolve(state, type, user, clientId);
        return r == NONE ? Double.MAX_VALUE : r.limit() * (samples - 1) * windowSeconds;
    }

    /** Request-thread time as what the request quota measures: percent of one thread over one second. */
    public static double nanosToPercentage(long nanos) {
        return nanos * NANOS_TO_PERCENTAGE_PER_SECOND;
    }

    /** The quota that applies now to the user's client, or null (for tests and diagnostics). */
    public ClientQuotaResolver.Resolution quota(QuotaType type, String user, String clientId) {
        ClientQuotaResolver.Resolution r = resolve(state, type, user, clientId);
        return r == NONE ? null : r;
    }

    @Override
    public void close() {
        metrics.close();
    }

    private static ClientQuotaResolver.Resolution resolve(State s, QuotaType type, String user, String clientId) {
        String key = type.ordinal() + user + '\u0000' + clientId;
        ClientQuotaResolver.Resolution r = s.cache().get(key);
        if (r == null) {
            r = s.resolver().resolve(type.configKey(), user, clientId);
            if (r == null) {
                r = NONE;
            }
            if (s.cache().size() >= MAX_CACHED) {
                s.cache().clear(); // many short-lived client ids: start over rather than grow without bound
            }
            s.cache().put(key, r);
        }
        return r;
    }

    private Sensor sensor(QuotaType type, ClientQuotaResolver.Resolution r) {
        String name = sensorName(type, r);
        Sensor sensor = metrics.getSensor(name);
        if (sensor != null) {
            return sensor;
        }
        synchronized (this) {
            sensor = metrics.getSensor(name);
            if (sensor == null) {
                // Bounded by the current quotas (refresh holds the same lock), not those r was resolved with.
                Double limit = state.resolver().limitForTags(type.configKey(), r.userTag(), r.clientIdTag());
                MetricConfig config = config(limit == null ? Double.MAX_VALUE : limit);
                sensor = metrics.sensor(name, config, INACTIVE_SENSOR_EXPIRATION_SECONDS);
                sensor.add(metrics.metricName(type.metricName(), type.metricGroup(),
                        "Tracking " + type.configKey() + " per user/client-id",
                        Map.of("user", r.userTag(), "client-id", r.clientIdTag())), new Rate(), config);
                LOG.debugf("Measuring %s of user '%s' client-id '%s' against %s", type.configKey(), r.userTag(),
                        r.clientIdTag(), limit);
            }
            return sensor;
        }
    }

    private static String sensorName(QuotaType type, ClientQuotaResolver.Resolution r) {
        return type.metricGroup() + "-" + r.userTag() + ":" + r.clientIdTag();
    }

    private MetricConfig config(double limit) {
        return new MetricConfig().timeWindow(windowSeconds, TimeUnit.SECONDS).samples(samples)
                .quota(Quota.upperBound(limit));
    }

    /** How long to stay idle for the rate to fall back to the quota: (rate - quota) / quota x window. */
    static long throttleTime(QuotaViolationException e, long nowMs) {
        KafkaMetric metric = e.metric();
        long window = ((Rate) metric.measurable()).windowSize(metric.config(), nowMs);
        return Math.round((e.value() - e.bound()) / e.bound() * window);
    }

    private DistributionSummary throttleSummary(QuotaType type, ClientQuotaResolver.Resolution r) {
        return throttleSummaries.computeIfAbsent(sensorName(type, r), k -> DistributionSummary
                .builder("strata.quota.throttle.time")
                .description("Throttle times given to clients over a quota, by quota and the user/client-id sharing it")
                .baseUnit("milliseconds")
                .tags("quota", type.configKey(), "user", r.userTag(), "client-id", r.clientIdTag())
                .register(registry));
    }
}
