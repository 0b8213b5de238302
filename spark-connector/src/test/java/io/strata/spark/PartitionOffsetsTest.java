package io.strata.spark;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PartitionOffsetsTest {

    @Test
    void equalOffsetsRenderAsIdenticalJsonWhateverTheirOrder() {
        Map<TopicPartition, Long> a = new LinkedHashMap<>();
        a.put(new TopicPartition("b", 10), 7L);
        a.put(new TopicPartition("a", 2), 5L);
        a.put(new TopicPartition("b", 9), 3L);
        Map<TopicPartition, Long> b = new LinkedHashMap<>();
        b.put(new TopicPartition("b", 9), 3L);
        b.put(new TopicPartition("a", 2), 5L);
        b.put(new TopicPartition("b", 10), 7L);
        PartitionOffsets x = new PartitionOffsets(a);
        assertThat(x.json()).isEqualTo(new PartitionOffsets(b).json()).isEqualTo("{\"a\":{\"2\":5},\"b\":{\"9\":3,\"10\":7}}");
        assertThat(PartitionOffsets.parse(x.json())).isEqualTo(x);
        assertThat(new StrataStreamOffset(x)).isEqualTo(new StrataStreamOffset(new PartitionOffsets(b)));
    }

    @Test
    void malformedOffsetsAreRefusedWithTheExpectedForm() {
        assertThatThrownBy(() -> PartitionOffsets.parse("{\"t\":{\"x\":1}}")).hasMessageContaining("not a number");
        assertThatThrownBy(() -> PartitionOffsets.parse("[1]")).hasMessageContaining("{\"topic\":{\"0\":23");
    }

    @Test
    void aTriggerBudgetIsSharedInProportionToWhatWaits() {
        TopicPartition p0 = new TopicPartition("t", 0);
        TopicPartition p1 = new TopicPartition("t", 1);
        Map<TopicPartition, Long> limited = StrataMicroBatchStream.limit(Map.of(p0, 0L, p1, 100L),
                Map.of(p0, 300L, p1, 200L), 200);
        assertThat(limited).containsEntry(p0, 150L).containsEntry(p1, 150L);
        assertThat(StrataMicroBatchStream.limit(Map.of(p0, 0L), Map.of(p0, 50L), 200)).containsEntry(p0, 50L);
    }
}
