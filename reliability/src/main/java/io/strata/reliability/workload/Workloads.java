package io.strata.reliability.workload;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import io.strata.reliability.history.History;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * The two workloads of a fault run, both through kafka-clients:
 * <ul>
 *   <li><b>queue</b>: {@value #QUEUE_PRODUCERS} idempotent acks=all producers spread unique values over the
 *       {@value #QUEUE_PARTITIONS} partitions of topic {@value #QUEUE_TOPIC}; {@value #GROUP_MEMBERS} members of
 *       group {@value #GROUP} read them and commit after every poll; an observer records the group's committed
 *       offsets every second.</li>
 *   <li><b>log</b>: one appender per partition of topic {@value #LOG_TOPIC} (so each partition's order is one
 *       producer's order) and {@value #REREADERS} readers that read every partition and keep re-reading stretches
 *       of it, so every offset is observed several times.</li>
 * </ul>
 * Then {@link #drain} reads everything from the beginning. Values are unique in a run: {@code <producer>-<seq>}.
 */
public final class Workloads implements AutoCloseable {
    public static final String QUEUE_TOPIC = "queue";
    public static final String LOG_TOPIC = "log";
    public static final String GROUP = "queue-readers";
    static final int QUEUE_PARTITIONS = 6;
    static final int QUEUE_PRODUCERS = 3;
    static final int GROUP_MEMBERS = 2;
    static final int LOG_PARTITIONS = 3;
    static final int REREADERS = 2;

    private final String bootstrap;
    private final History history;
    private final int perProducerRate;
    private final long seed;
    private final List<Worker> writers = new ArrayList<>();
    private final List<Worker> readers = new ArrayList<>();

    /** @param perProducerRate records per second of each producer and appender */
    public Workloads(String bootstrap, History history, int perProducerRate, long seed) {
        this.bootstrap = bootstrap;
        this.history = history;
        this.perProducerRate = perProducerRate;
        this.seed = seed;
    }

    /** Creates both topics with the given replication factor and configs (retrying while the cluster settles). */
    public void createTopics(Admin admin, short replicationFactor, Map<String, String> configs, Duration timeout)
            throws InterruptedException {
        long until = System.nanoTime() + timeout.toNanos();
        for (NewTopic topic : List.of(
                new NewTopic(QUEUE_TOPIC, Optional.of(QUEUE_PARTITIONS), Optional.of(replicationFactor)),
                new NewTopic(LOG_TOPIC, Optional.of(LOG_PARTITIONS), Optional.of(replicationFactor)))) {
            topic.configs(configs);
            while (true) {
                try {
                    admin.createTopics(List.of(topic)).all().get(15, TimeUnit.SECONDS);
                    break;
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof TopicExistsException) {
                        break;
                    }
                    if (System.nanoTime() > until) {
                        throw new IllegalStateException("cannot create topic " + topic.name(), e.getCause());
                    }
                } catch (java.util.concurrent.TimeoutException e) {
                    if (System.nanoTime() > until) {
                        throw new IllegalStateException("cannot create topic " + topic.name() + ": time-out");
                    }
                }
                Thread.sleep(1000);
            }
        }
    }

    /** Every partition of both topics, in a fixed order. */
    public static List<TopicPartition> partitions() {
        List<TopicPartition> all = new ArrayList<>();
        for (int p = 0; p < QUEUE_PARTITIONS; p++) {
            all.add(new TopicPartition(QUEUE_TOPIC, p));
        }
        for (int p = 0; p < LOG_PARTITIONS; p++) {
            all.add(new TopicPartition(LOG_TOPIC, p));
        }
        return all;
    }

    public void start() {
        for (int i = 1; i <= QUEUE_PRODUCERS; i++) {
            int offset = i;
            writers.add(new SendLoop("producer-" + i, bootstrap, QUEUE_TOPIC,
                    s -> (int) ((s + offset) % QUEUE_PARTITIONS), perProducerRate, history));
        }
        for (int p = 0; p < LOG_PARTITIONS; p++) {
            int partition = p;
            writers.add(new SendLoop("appender-" + p, bootstrap, LOG_TOPIC, s -> partition, perProducerRate,
                    history));
        }
        for (int i = 1; i <= GROUP_MEMBERS; i++) {
            readers.add(new GroupReadLoop("member-" + i, bootstrap, GROUP, List.of(QUEUE_TOPIC), history));
        }
        readers.add(new CommittedObserver("observer", bootstrap, GROUP, history));
        List<TopicPartition> logPartitions = partitions().stream().filter(tp -> tp.topic().equals(LOG_TOPIC)).toList();
        for (int i = 1; i <= REREADERS; i++) {
            readers.add(new RereadLoop("reader-" + i, bootstrap, logPartitions, history, seed + i));
        }
        writers.forEach(Worker::start);
        readers.forEach(Worker::start);
    }

    /** Stops the producers; each first waits for the outcome of what it has in flight (its delivery time-out). */
    public void stopWriting() {
        writers.parallelStream().forEach(w -> w.stop(60_000));
    }

    public void stopReading() {
        readers.parallelStream().forEach(w -> w.stop(30_000));
    }

    /** Errors that ended a client's loop (a bug of the harness or the client library, not of the cluster). */
    public List<String> clientFailures() {
        List<String> failures = new ArrayList<>();
        for (Worker w : writers) {
            if (w.failure() != null) {
                failures.add(w.name + ": " + SendLoop.describe(w.failure()));
            }
        }
        for (Worker w : readers) {
            if (w.failure() != null) {
                failures.add(w.name + ": " + SendLoop.describe(w.failure()));
            }
        }
        return failures;
    }

    /** Reads every partition from the beginning; returns the partitions it could not finish. */
    public Map<TopicPartition, String> drain(Duration deadline) {
        return Drain.readAll(bootstrap, partitions(), history, deadline);
    }

    @Override
    public void close() {
        stopWriting();
        stopReading();
    }
}
