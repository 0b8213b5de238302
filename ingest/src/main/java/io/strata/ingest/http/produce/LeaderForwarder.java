package io.strata.ingest.http.produce;

import io.strata.ingest.node.StrataNode;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

/**
 * Sends records that arrived over HTTP for a partition another node leads to that leader, so that a device may post
 * to any node (e.g. behind a load balancer) and every line is stored. It is a Kafka producer of this cluster, as a
 * client would be: kafka-clients finds the leaders, follows leadership changes and retries, idempotent so that a
 * retry never stores a record twice, acks=all as HTTP records always are. It connects to this node's inter-broker
 * listener (PLAINTEXT, as replication does) and is created on the first forward, so a lone node never has one.
 *
 * <p>Thread-safe: one producer serves every HTTP worker thread.
 */
@ApplicationScoped
public class LeaderForwarder {

    private static final Logger LOG = Logger.getLogger(LeaderForwarder.class);

    @Inject
    StrataNode node;

    private KafkaProducer<byte[], byte[]> producer;
    private boolean closed;

    /**
     * Sends the records to the leader of {@code tp}, in order, and waits for every answer.
     *
     * @param timeoutMs how long the records may take to be acknowledged by the leader's in-sync replicas
     * @return one result per record, in the order given
     */
    public List<ProduceResult> forward(TopicPartition tp, List<ProduceRecord> records, long timeoutMs) {
        KafkaProducer<byte[], byte[]> producer;
        try {
            producer = producer(timeoutMs);
        } catch (RuntimeException e) {
            LOG.errorf(e, "Cannot create the producer that forwards HTTP records to partition leaders");
            return failAll(tp, records, Errors.forException(e), e.getMessage());
        }
        List<Future<RecordMetadata>> sent = new ArrayList<>(records.size());
        for (ProduceRecord record : records) {
            ProducerRecord<byte[], byte[]> r = new ProducerRecord<>(tp.topic(), tp.partition(), record.timestamp(),
                    record.key(), record.value(), record.headers());
            sent.add(producer.send(r));
        }
        List<ProduceResult> results = new ArrayList<>(records.size());
        for (Future<RecordMetadata> future : sent) {
            results.add(result(tp, future));
        }
        return results;
    }

    private static ProduceResult result(TopicPartition tp, Future<RecordMetadata> future) {
        try {
            RecordMetadata m = future.get();
            return new ProduceResult(tp.partition(), m.offset(), m.timestamp(), Errors.NONE, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ProduceResult.failed(tp.partition(), Errors.REQUEST_TIMED_OUT, "Interrupted while forwarding to the leader");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            Errors error = cause instanceof TimeoutException ? Errors.REQUEST_TIMED_OUT : Errors.forException(cause);
            return ProduceResult.failed(tp.partition(), error, cause.getMessage());
        }
    }

    private static List<ProduceResult> failAll(TopicPartition tp, List<ProduceRecord> records, Errors error, String message) {
        List<ProduceResult> results = new ArrayList<>(records.size());
        for (int i = 0; i < records.size(); i++) {
            results.add(ProduceResult.failed(tp.partition(), error, message));
        }
        return results;
    }

    private synchronized KafkaProducer<byte[], byte[]> producer(long timeoutMs) {
        if (closed) {
            throw new IllegalStateException("The node is stopping.");
        }
        if (producer == null) {
            Properties props = new Properties();
            props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, node.brokerNode().host() + ":" + node.brokerNode().port());
            props.put(ProducerConfig.CLIENT_ID_CONFIG, "strata-http-forwarder-" + node.brokerNode().nodeId());
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
            props.put(ProducerConfig.LINGER_MS_CONFIG, 1);
            props.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
            props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 16 * 1024 * 1024);
            props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) Math.max(timeoutMs, 2_000));
            props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.max(timeoutMs / 2, 1_000));
            producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
        }
        return producer;
    }

    @PreDestroy
    synchronized void close() {
        closed = true;
        if (producer != null) {
            producer.close(java.time.Duration.ofSeconds(5));
            producer = null;
        }
    }
}
