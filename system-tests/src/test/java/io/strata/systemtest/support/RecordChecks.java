package io.strata.systemtest.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/** Assertions over what a consumer read back. */
public final class RecordChecks {
    private RecordChecks() {
    }

    /**
     * Records 0..count-1 were all acknowledged; the consumer read each exactly once, unchanged, at the position it
     * was acknowledged with, in send order within its partition, with no gaps in the offsets.
     */
    public static void assertExactlyOnce(List<ConsumerRecord<byte[], byte[]>> read, TestRecords records, AckLog acks,
                                         int count, int partitions) {
        assertThat(read).as("records read back").hasSize(count);
        int[] lastSeqInPartition = new int[partitions];
        Arrays.fill(lastSeqInPartition, -1);
        boolean[] seen = new boolean[count];
        for (ConsumerRecord<byte[], byte[]> r : read) {
            int seq = TestRecords.seq(r);
            assertThat(seq).as("seq of %s-%d@%d", r.topic(), r.partition(), r.offset()).isBetween(0, count - 1);
            assertThat(seen[seq]).as("seq %d read twice (again at %s-%d@%d)", seq, r.topic(), r.partition(),
                    r.offset()).isFalse();
            seen[seq] = true;
            records.assertMatches(r, seq);
            RecordMetadata meta = acks.metadata(seq);
            assertThat(r.partition() + "@" + r.offset()).as("position of seq %d", seq)
                    .isEqualTo(meta.partition() + "@" + meta.offset());
            assertThat(seq).as("send order in partition %d at offset %d", r.partition(), r.offset())
                    .isGreaterThan(lastSeqInPartition[r.partition()]);
            lastSeqInPartition[r.partition()] = seq;
        }
        assertContiguousOffsets(read);
    }

    /** Per partition, the offsets read are 0, 1, 2, ... */
    public static void assertContiguousOffsets(List<ConsumerRecord<byte[], byte[]>> read) {
        Map<Integer, Long> next = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : read) {
            long expected = next.getOrDefault(r.partition(), 0L);
            assertThat(r.offset()).as("offset in partition %d (no gaps, no reordering)", r.partition())
                    .isEqualTo(expected);
            next.put(r.partition(), expected + 1);
        }
    }
}
