package io.strata.systemtest.support;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.common.TopicPartition;

/**
 * Record-by-record bookkeeping of what the cluster promised: every acknowledged (partition, offset, value) as the
 * producer callbacks report it, compared with what a consumer reading from the beginning got back. Values must be
 * unique per checker: they identify records. {@link #check} returns a {@link Report} and asserts nothing, so a test
 * can demand a clean report or, on a configuration known to lose data, demand that the loss is seen.
 */
public final class AckedRecordChecker {
    private final AtomicInteger sent = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private final Map<String, Ack> acks = new ConcurrentHashMap<>();
    private final Map<String, Integer> sendOrder = new ConcurrentHashMap<>();
    private final List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());

    /** Where the cluster said it stored a value. */
    public record Ack(TopicPartition partition, long offset, String value, int sendSeq) {
    }

    /**
     * The callback for a send of {@code value}. Call it in send order (one producing thread), so the checker knows
     * which value was sent first.
     */
    public Callback callback(String value) {
        int seq = sent.getAndIncrement();
        if (sendOrder.putIfAbsent(value, seq) != null) {
            throw new IllegalArgumentException("value sent twice: " + value + " (values identify records)");
        }
        return (meta, error) -> {
            if (error != null) {
                failed.incrementAndGet();
                if (failures.size() < 20) {
                    failures.add(value + ": " + error);
                }
            } else {
                acks.put(value, new Ack(new TopicPartition(meta.topic(), meta.partition()), meta.offset(), value, seq));
            }
        };
    }

    public int sent() {
        return sent.get();
    }

    public int acknowledged() {
        return acks.size();
    }

    public int failedSends() {
        return failed.get();
    }

    public List<String> firstFailures() {
        synchronized (failures) {
            return List.copyOf(failures);
        }
    }

    public long acknowledgedIn(TopicPartition tp) {
        return acks.values().stream().filter(a -> a.partition().equals(tp)).count();
    }

    public Collection<Ack> acks() {
        return List.copyOf(acks.values());
    }

    /** Compares the acknowledgements with what was read back (all partitions, in the order the consumer got them). */
    public Report check(List<ConsumerRecord<byte[], byte[]>> read) {
        Map<String, Ack> acked = new HashMap<>(acks);
        // (partition, offset) -> value acknowledged there; two values at one position is an offset handed out twice.
        Map<TopicPartition, TreeMap<Long, String>> ackedAt = new HashMap<>();
        List<String> reused = new ArrayList<>();
        acked.values().stream().sorted(Comparator.comparingInt(Ack::sendSeq)).forEach(a -> {
            String before = ackedAt.computeIfAbsent(a.partition(), k -> new TreeMap<>()).putIfAbsent(a.offset(), a.value());
            if (before != null) {
                reused.add(a.partition() + "@" + a.offset() + " acknowledged for " + show(before) + " and again for "
                        + show(a.value()));
            }
        });

        Map<String, List<String>> readPositions = new HashMap<>();
        Map<TopicPartition, Long> lastOffset = new HashMap<>();
        Map<TopicPartition, Ack> lastAckedRead = new HashMap<>();
        List<String> outOfOrder = new ArrayList<>();
        List<String> wrongValue = new ArrayList<>();
        List<String> moved = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : read) {
            TopicPartition tp = new TopicPartition(r.topic(), r.partition());
            String value = r.value() == null ? null : new String(r.value(), StandardCharsets.UTF_8);
            String position = tp + "@" + r.offset();
            Long previous = lastOffset.put(tp, r.offset());
            if (previous != null && r.offset() <= previous) {
                outOfOrder.add(position + " read after offset " + previous);
            }
            String expected = ackedAt.getOrDefault(tp, new TreeMap<>()).get(r.offset());
            if (expected != null && !expected.equals(value)) {
                wrongValue.add(position + " holds " + show(value) + " but " + show(expected) + " was acknowledged there");
            }
            if (value == null) {
                continue;
            }
            readPositions.computeIfAbsent(value, k -> new ArrayList<>()).add(position);
            Ack ack = acked.get(value);
            if (ack != null) {
                if (!ack.partition().equals(tp) || ack.offset() != r.offset()) {
                    moved.add(show(value) + " acknowledged at " + ack.partition() + "@" + ack.offset() + " read at "
                            + position);
                }
                Ack lastAck = lastAckedRead.put(tp, ack);
                if (lastAck != null && ack.sendSeq() < lastAck.sendSeq()) {
                    outOfOrder.add(position + ": " + show(value) + " (sent #" + ack.sendSeq() + ") read after "
                            + show(lastAck.value()) + " (sent #" + lastAck.sendSeq() + ")");
                }
            }
        }

        List<String> missing = acked.values().stream().filter(a -> !readPositions.containsKey(a.value()))
                .sorted(Comparator.comparing((Ack a) -> a.partition().toString()).thenComparingLong(Ack::offset))
                .map(a -> show(a.value()) + " acknowledged at " + a.partition() + "@" + a.offset())
                .collect(Collectors.toList());
        List<String> duplicates = readPositions.entrySet().stream().filter(e -> e.getValue().size() > 1)
                .map(e -> show(e.getKey()) + " read " + e.getValue().size() + " times: " + e.getValue())
                .sorted().collect(Collectors.toList());
        return new Report(sent.get(), acked.size(), failed.get(), read.size(), missing, duplicates, outOfOrder,
                wrongValue, reused, moved);
    }

    private static String show(String value) {
        return value == null ? "null" : '"' + value + '"';
    }

    /**
     * What the check found.
     *
     * @param missing    acknowledged values no consumer read got back (lost writes)
     * @param duplicates values read at more than one position
     * @param outOfOrder per partition: an offset not above the previous one, or a value sent later read earlier
     * @param wrongValue an offset read with another value than the one acknowledged at it
     * @param reusedOffsets one position acknowledged for two different values
     * @param moved      acknowledged values read back at another position than the one acknowledged
     */
    public record Report(int sent, int acknowledged, int failedSends, int read, List<String> missing,
                         List<String> duplicates, List<String> outOfOrder, List<String> wrongValue,
                         List<String> reusedOffsets, List<String> moved) {

        /** No acknowledged record lost, duplicated, reordered or overwritten. */
        public boolean isClean() {
            return missing.isEmpty() && duplicates.isEmpty() && outOfOrder.isEmpty() && wrongValue.isEmpty()
                    && reusedOffsets.isEmpty() && moved.isEmpty();
        }

        /** An acknowledged write is gone, or its offset now names another record. */
        public boolean lostAcknowledgedWrites() {
            return !missing.isEmpty() || !wrongValue.isEmpty() || !reusedOffsets.isEmpty();
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format("sent %d, acknowledged %d, failed sends %d, read %d%n", sent, acknowledged,
                    failedSends, read));
            section(sb, "acknowledged but missing", missing);
            section(sb, "duplicated", duplicates);
            section(sb, "out of order", outOfOrder);
            section(sb, "offset read with another value than acknowledged", wrongValue);
            section(sb, "offset acknowledged twice", reusedOffsets);
            section(sb, "read at another position than acknowledged", moved);
            return sb.toString();
        }

        private static void section(StringBuilder sb, String title, List<String> lines) {
            sb.append(String.format("%s: %d%n", title, lines.size()));
            lines.stream().limit(10).forEach(l -> sb.append("  ").append(l).append('\n'));
            if (lines.size() > 10) {
                sb.append("  ...\n");
            }
        }
    }

    @Override
    public String toString() {
        return "AckedRecordChecker[sent " + sent + ", acknowledged " + acks.size() + ", failed " + failed + "]";
    }
}
