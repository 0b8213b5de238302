package io.strata.ingest.http.restproxy.v2;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.strata.ingest.http.common.HttpApiException;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.WakeupException;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A REST Proxy v2 consumer instance: a Kafka consumer of this node's own Kafka listener, so group
 * membership, rebalancing and offset commits are Kafka's own and other members of the group see an
 * ordinary member.
 *
 * <p>The consumer's position is always just past the records returned to the client: records polled
 * beyond a response's max_bytes are given back by seeking their partition to the first of them. So
 * auto-commit and "commit what was consumed" commit exactly what the client got, and rebalances and
 * seeks need no bookkeeping here.
 *
 * <p>Thread-safety: safe for use from any thread. The Kafka consumer is not thread-safe, so every call
 * on it is confined to this instance's single thread, where operations run in the
 * order they were submitted; callers get futures and never wait. Only {@link Consumer#wakeup()} and the
 * idle bookkeeping are touched from other threads.
 */
final class ConsumerInstance {

    /** The embedded format of the records an instance returns. */
    enum Format {
        BINARY("binary", V2MediaTypes.BINARY), JSON("json", V2MediaTypes.JSON);

        final String name;
        final String mediaType;

        Format(String name, String mediaType) {
            this.name = name;
            this.mediaType = mediaType;
        }

        static Format of(String name) {
            for (Format f : values()) {
                if (f.name.equals(name)) {
                    return f;
                }
            }
            return null;
        }
    }

    /** Something done on the instance's thread with its consumer. */
    @FunctionalInterface
    interface Operation<T> {
        T run(ConsumerInstance instance);
    }

    private static final AtomicInteger THREADS = new AtomicInteger();

    private final String group;
    private final String id;
    private final Format format;
    private final Duration requestTimeout;
    private final int minBytes;
    private final Consumer<byte[], byte[]> consumer;
    private final ObjectMapper mapper;
    private final ExecutorService thread;
    /** Operations submitted and not finished: an instance is never idle while one runs or waits. */
    private final AtomicInteger pending = new AtomicInteger();
    private volatile long lastUsedNanos = System.nanoTime();
    private volatile boolean closed;
    private final String owner;

    ConsumerInstance(String group, String id, String owner, Format format, Duration requestTimeout, int minBytes,
                     Consumer<byte[], byte[]> consumer, ObjectMapper mapper) {
        this.group = group;
        this.owner = owner;
        this.id = id;
        this.format = format;
        this.requestTimeout = requestTimeout;
        this.minBytes = minBytes;
        this.consumer = consumer;
        this.mapper = mapper;
        this.thread = Executors.newSingleThreadExecutor(
                new DefaultThreadFactory("strata-rest-consumer-" + THREADS.incrementAndGet(), true));
    }

    String group() {
        return group;
    }

    String id() {
        return id;
    }

    /** The principal that created the instance ({@code User:name}); only it may use the instance. */
    String owner() {
        return owner;
    }

    Format format() {
        return format;
    }

    Duration requestTimeout() {
        return requestTimeout;
    }

    /** Whether nothing is running or waiting and the last use is older than {@code timeoutNanos}. */
    boolean idleFor(long timeoutNanos, long nowNanos) {
        return pending.get() == 0 && nowNanos - lastUsedNanos > timeoutNanos;
    }

    /** Runs an operation on the instance's thread, after those submitted before it. */
    <T> CompletableFuture<T> submit(Operation<T> operation) {
        CompletableFuture<T> result = new CompletableFuture<>();
        pending.incrementAndGet();
        lastUsedNanos = System.nanoTime();
        try {
            thread.execute(() -> {
                try {
                    if (closed) {
                        throw notFound();
                    }
                    result.complete(operation.run(this));
                } catch (Throwable t) {
                    result.completeExceptionally(translate(t));
                } finally {
                    lastUsedNanos = System.nanoTime();
                    pending.decrementAndGet();
                }
            });
        } catch (RejectedExecutionException e) {
            pending.decrementAndGet();
            result.completeExceptionally(notFound());
        }
        return result;
    }

    /** Like {@link #submit}, for operations without a result. */
    CompletableFuture<Void> run(java.util.function.Consumer<ConsumerInstance> operation) {
        return submit(instance -> {
            operation.accept(instance);
            return null;
        });
    }

    /**
     * Leaves the group and releases the consumer. A read waiting for records is woken and answered
     * 40403; operations queued behind it are answered 40403 too.
     */
    CompletableFuture<Void> close(Duration timeout) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        closed = true;
        consumer.wakeup();
        try {
            thread.execute(() -> {
                try {
                    consumer.close(CloseOptions.timeout(timeout));
                } catch (RuntimeException e) {
                    // Closing is best effort: the coordinator expires a member that did not leave.
                } finally {
                    done.complete(null);
                }
            });
            thread.shutdown();
        } catch (RejectedExecutionException e) {
            done.complete(null);
        }
        return done;
    }

    // Operations; each runs on the instance's thread.

    void subscribe(List<String> topics, String pattern) {
        if (pattern != null) {
            Pattern compiled;
            try {
                compiled = Pattern.compile(pattern);
            } catch (PatternSyntaxException e) {
                throw new HttpApiException(422, V2ErrorCodes.INVALID_PAYLOAD, "Invalid topic_pattern: " + e.getMessage());
            }
            consumer.subscribe(compiled);
        } else {
            consumer.subscribe(topics);
        }
    }

    void unsubscribe() {
        consumer.unsubscribe();
    }

    Set<String> subscription() {
        return consumer.subscription();
    }

    void assign(Collection<TopicPartition> partitions) {
        consumer.assign(partitions);
    }

    Set<TopicPartition> assignment() {
        return consumer.assignment();
    }

    void seek(Map<TopicPartition, Long> offsets) {
        checkAssigned(offsets.keySet());
        offsets.forEach(consumer::seek);
    }

    void seekToBeginning(Collection<TopicPartition> partitions) {
        checkAssigned(partitions);
        consumer.seekToBeginning(partitions);
    }

    void seekToEnd(Collection<TopicPartition> partitions) {
        checkAssigned(partitions);
        consumer.seekToEnd(partitions);
    }

    /**
     * Reads records: returns once there are {@code fetch.min.bytes} of them (by default: any), once
     * {@code maxBytes} is reached or when {@code timeout} has passed. At least one record is returned when
     * one is available, however large, so that a consumer always moves on.
     */
    List<V2Model.ConsumerRecord> read(Duration timeout, long maxBytes) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<V2Model.ConsumerRecord> out = new ArrayList<>();
        long bytes = 0;
        while (true) {
            long remaining = deadline - System.nanoTime();
            // poll(0) still hands over what was fetched in the background, so a zero timeout reads too.
            ConsumerRecords<byte[], byte[]> polled = consumer.poll(Duration.ofNanos(Math.max(0, remaining)));
            // First offset not returned, by partition: the consumer is moved back there.
            Map<TopicPartition, Long> giveBack = new HashMap<>();
            HttpApiException failure = null;
            for (ConsumerRecord<byte[], byte[]> record : polled) {
                TopicPartition tp = new TopicPartition(record.topic(), record.partition());
                if (giveBack.containsKey(tp)) {
                    continue;
                }
                long size = size(record);
                if (failure != null || (!out.isEmpty() && bytes + size > maxBytes)) {
                    giveBack.put(tp, record.offset());
                    continue;
                }
                try {
                    out.add(convert(record));
                    bytes += size;
                } catch (HttpApiException e) {
                    giveBack.put(tp, record.offset());
                    failure = e;
                }
            }
            giveBack.forEach(consumer::seek);
            if (failure != null && out.isEmpty()) {
                throw failure;
            }
            if (failure != null || !giveBack.isEmpty() || bytes >= maxBytes || (!out.isEmpty() && bytes >= minBytes)
                    || deadline - System.nanoTime() <= 0) {
                return out;
            }
        }
    }

    /**
     * Commits offsets. Explicit ones are, as in Confluent's REST Proxy, the offsets of the last records
     * consumed, so the committed position is one past each; without any, what this instance returned is
     * committed.
     */
    void commit(Map<TopicPartition, OffsetAndMetadata> lastConsumed) {
        if (lastConsumed != null) {
            Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
            lastConsumed.forEach((tp, o) -> next.put(tp, new OffsetAndMetadata(o.offset() + 1, o.metadata())));
            consumer.commitSync(next);
            return;
        }
        // The position is just past what was returned (see the class comment).
        consumer.commitSync();
    }

    /** The group's committed offsets of these partitions (absent: none committed). */
    Map<TopicPartition, OffsetAndMetadata> committed(Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> out = new LinkedHashMap<>();
        consumer.committed(new HashSet<>(partitions)).forEach((tp, o) -> {
            if (o != null) {
                out.put(tp, o);
            }
        });
        return out;
    }

    /** Checks every partition before any is moved, so that a bad one changes nothing. */
    private void checkAssigned(Collection<TopicPartition> partitions) {
        Set<TopicPartition> assigned = consumer.assignment();
        for (TopicPartition tp : partitions) {
            if (!assigned.contains(tp)) {
                throw new IllegalStateException("No current assignment for partition " + tp);
            }
        }
    }

    private static long size(ConsumerRecord<byte[], byte[]> record) {
        return (record.key() == null ? 0 : record.key().length) + (record.value() == null ? 0 : record.value().length);
    }

    private V2Model.ConsumerRecord convert(ConsumerRecord<byte[], byte[]> record) {
        return new V2Model.ConsumerRecord(record.topic(), embed(record, record.key(), "key"),
                embed(record, record.value(), "value"), record.partition(), record.offset());
    }

    private JsonNode embed(ConsumerRecord<byte[], byte[]> record, byte[] bytes, String field) {
        if (bytes == null) {
            return null;
        }
        if (format == Format.BINARY) {
            return TextNode.valueOf(Base64.getEncoder().encodeToString(bytes));
        }
        try {
            return mapper.readTree(bytes);
        } catch (IOException e) {
            // The consumer is moved back to this record: the client can seek past it.
            throw new HttpApiException(500, V2ErrorCodes.KAFKA_ERROR, "Kafka error: the " + field + " of " + record.topic()
                    + "-" + record.partition() + " offset " + record.offset() + " is not JSON: " + e.getMessage());
        }
    }

    private HttpApiException notFound() {
        return new HttpApiException(404, V2ErrorCodes.CONSUMER_INSTANCE_NOT_FOUND, "Consumer instance not found.");
    }

    /** Kafka consumer failures as Confluent's REST Proxy reports them. */
    private HttpApiException translate(Throwable t) {
        if (t instanceof HttpApiException e) {
            return e;
        }
        if (t instanceof WakeupException || closed) {
            return notFound();
        }
        if (t instanceof IllegalStateException) {
            return new HttpApiException(409, V2ErrorCodes.ILLEGAL_STATE, "Illegal state: " + t.getMessage());
        }
        if (t instanceof IllegalArgumentException) {
            return new HttpApiException(422, V2ErrorCodes.INVALID_PAYLOAD, t.getMessage());
        }
        if (t instanceof RetriableException) {
            return new HttpApiException(500, V2ErrorCodes.KAFKA_RETRIABLE_ERROR, "Retriable Kafka error: " + t.getMessage());
        }
        if (t instanceof KafkaException) {
            return new HttpApiException(500, V2ErrorCodes.KAFKA_ERROR, "Kafka error: " + t.getMessage());
        }
        return new HttpApiException(500, V2ErrorCodes.INTERNAL_SERVER_ERROR, "Internal error: " + t);
    }
}
