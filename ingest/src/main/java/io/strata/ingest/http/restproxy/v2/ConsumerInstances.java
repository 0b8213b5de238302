package io.strata.ingest.http.restproxy.v2;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.quarkus.runtime.ShutdownEvent;
import io.strata.ingest.http.common.HttpApiException;
import io.strata.ingest.http.common.HttpConfig;
import io.strata.ingest.node.StrataNode;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.GroupProtocol;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The REST Proxy v2 consumer instances of this node, by group and name. Each owns a Kafka consumer of
 * this node's own Kafka listener (see {@link ConsumerInstance}). Instances idle for
 * {@code strata.http.consumer.instance-timeout} leave their group and are deleted; at shutdown all leave
 * before the Kafka listener closes.
 *
 * <p>Thread-safety: safe for use from any thread.
 */
@ApplicationScoped
public class ConsumerInstances {

    private static final Logger LOG = Logger.getLogger(ConsumerInstances.class);
    /** How long leaving the group may take when an instance is deleted, expires or the node stops. */
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private record Key(String group, String id) {
    }

    @Inject
    StrataNode node;

    @Inject
    HttpConfig config;

    @Inject
    ObjectMapper mapper;

    private final Map<Key, ConsumerInstance> instances = new ConcurrentHashMap<>();
    private volatile ScheduledExecutorService reaper;

    /** Creates an instance; it joins the group on its first subscription and read. */
    ConsumerInstance create(String group, V2Model.CreateConsumerRequest request, String owner) {
        V2Model.CreateConsumerRequest r = request != null ? request
                : new V2Model.CreateConsumerRequest(null, null, null, null, null, null);
        ConsumerInstance.Format format = ConsumerInstance.Format.of(
                r.format() == null ? "binary" : r.format().toLowerCase(Locale.ROOT));
        if (format == null) {
            throw invalidConfig("format must be binary or json (schema formats are not supported), not " + r.format());
        }
        if (r.autoCommitEnable() != null && !r.autoCommitEnable().equalsIgnoreCase("true")
                && !r.autoCommitEnable().equalsIgnoreCase("false")) {
            throw invalidConfig("auto.commit.enable must be true or false, not " + r.autoCommitEnable());
        }
        if ((r.fetchMinBytes() != null && r.fetchMinBytes() < 0) || (r.requestTimeoutMs() != null && r.requestTimeoutMs() < 0)) {
            throw invalidConfig("fetch.min.bytes and consumer.request.timeout.ms must not be negative");
        }
        String id = r.name() != null && !r.name().isBlank() ? r.name()
                : "rest-consumer-" + node.brokerNode().nodeId() + "-" + UUID.randomUUID();
        Key key = new Key(group, id);
        if (instances.containsKey(key)) {
            throw alreadyExists();
        }
        if (instances.size() >= config.consumer().maxInstances()) {
            throw new HttpApiException(429, V2ErrorCodes.TOO_MANY_CONSUMERS, "This node already has "
                    + instances.size() + " consumer instances (strata.http.consumer.max-instances); delete unused ones.");
        }
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, node.brokerNode().host() + ":" + node.brokerNode().port());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, id);
        props.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, GroupProtocol.CLASSIC.name().toLowerCase(Locale.ROOT));
        if (r.autoOffsetReset() != null) {
            props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, r.autoOffsetReset());
        }
        if (r.autoCommitEnable() != null) {
            props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, r.autoCommitEnable().toLowerCase(Locale.ROOT));
        }
        KafkaConsumer<byte[], byte[]> consumer;
        try {
            consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        } catch (ConfigException e) {
            throw invalidConfig(e.getMessage());
        } catch (KafkaException e) {
            // The constructor wraps configuration errors it finds late.
            throw invalidConfig(e.getCause() != null ? e.getCause().getMessage() : e.getMessage());
        }
        Duration timeout = r.requestTimeoutMs() != null ? Duration.ofMillis(r.requestTimeoutMs())
                : config.consumer().requestTimeout();
        ConsumerInstance instance = new ConsumerInstance(group, id, owner, format, timeout,
                r.fetchMinBytes() == null ? 0 : r.fetchMinBytes(), consumer, mapper);
        if (instances.putIfAbsent(key, instance) != null) {
            instance.close(Duration.ZERO);
            throw alreadyExists();
        }
        startReaper();
        return instance;
    }

    /** The instance, or 40403. */
    ConsumerInstance get(String group, String id) {
        ConsumerInstance instance = instances.get(new Key(group, id));
        if (instance == null) {
            throw new HttpApiException(404, V2ErrorCodes.CONSUMER_INSTANCE_NOT_FOUND, "Consumer instance not found.");
        }
        return instance;
    }

    /** Deletes an instance: it leaves its group (a waiting read is answered 40403). */
    CompletableFuture<Void> delete(String group, String id) {
        ConsumerInstance instance = get(group, id);
        if (!instances.remove(new Key(group, id), instance)) {
            throw new HttpApiException(404, V2ErrorCodes.CONSUMER_INSTANCE_NOT_FOUND, "Consumer instance not found.");
        }
        return instance.close(CLOSE_TIMEOUT);
    }

    private void startReaper() {
        if (reaper != null) {
            return;
        }
        synchronized (this) {
            if (reaper == null) {
                long timeout = config.consumer().instanceTimeout().toMillis();
                // Check a few times per timeout, so an instance outlives it by a fraction at most.
                long period = Math.max(50, Math.min(5_000, timeout / 4));
                ScheduledExecutorService s = Executors.newSingleThreadScheduledExecutor(
                        new DefaultThreadFactory("strata-rest-consumer-reaper", true));
                s.scheduleWithFixedDelay(this::expireIdle, period, period, TimeUnit.MILLISECONDS);
                reaper = s;
            }
        }
    }

    private void expireIdle() {
        long timeout = config.consumer().instanceTimeout().toNanos();
        long now = System.nanoTime();
        instances.forEach((key, instance) -> {
            if (instance.idleFor(timeout, now) && instances.remove(key, instance)) {
                LOG.debugf("Consumer instance %s of group %s expired", key.id(), key.group());
                instance.close(CLOSE_TIMEOUT);
            }
        });
    }

    /** Before the node (priority 10) closes its Kafka listener, every instance leaves its group. */
    void stop(@Observes @Priority(5) ShutdownEvent event) {
        ScheduledExecutorService s;
        synchronized (this) {
            s = reaper;
            reaper = null;
        }
        if (s != null) {
            s.shutdownNow();
        }
        List<CompletableFuture<Void>> closing = instances.values().stream().map(i -> i.close(CLOSE_TIMEOUT)).toList();
        instances.clear();
        try {
            CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new))
                    .get(CLOSE_TIMEOUT.toMillis() + 1_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("Consumer instances did not all leave their groups in time", e);
        }
    }

    private static HttpApiException invalidConfig(String message) {
        return new HttpApiException(422, V2ErrorCodes.INVALID_CONSUMER_CONFIG, "Invalid consumer configuration: " + message);
    }

    private static HttpApiException alreadyExists() {
        return new HttpApiException(409, V2ErrorCodes.CONSUMER_ALREADY_EXISTS,
                "Consumer with specified consumer ID already exists in the specified consumer group.");
    }
}
