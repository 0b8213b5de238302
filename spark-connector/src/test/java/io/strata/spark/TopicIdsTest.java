package io.strata.spark;

import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The {@code topicIds} option's two forms and what it refuses, and the per-partition timestamp check. */
class TopicIdsTest {

    private static final String ID = Uuid.randomUuid().toString();

    @Test
    void idsAloneOrWithAPartitionCount() {
        TopicIds ids = TopicIds.parse("{\"a\":\"" + ID + "\",\"b\":{\"id\":\"" + ID + "\",\"partitions\":3}}").orElseThrow();
        assertThat(ids.of("a")).hasValue(new TopicIds.Known(ID, null));
        assertThat(ids.of("a").orElseThrow().partitionCount()).isEmpty();
        assertThat(ids.of("b").orElseThrow().partitionCount()).hasValue(3);
        assertThat(ids.of("c")).isEmpty();
        assertThat(TopicIds.parse(null)).isEmpty();
        assertThat(TopicIds.parse(" ")).isEmpty();
    }

    @Test
    void malformedValuesAreRefusedWithTheirTopic() {
        assertThatThrownBy(() -> TopicIds.parse("{\"a\":\"not-an-id\"}")).hasMessageContaining("topic a");
        assertThatThrownBy(() -> TopicIds.parse("{\"a\":{\"id\":\"" + ID + "\",\"partitions\":0}}"))
                .hasMessageContaining("partitions of topic a");
        assertThatThrownBy(() -> TopicIds.parse("[\"" + ID + "\"]")).hasMessageContaining("must be JSON like");
        assertThatThrownBy(() -> TopicIds.parse("{\"a\":7}")).hasMessageContaining("must be JSON like");
    }

    @Test
    void perPartitionTimestampsMustNotBeNegative() {
        assertThat(new ReadRange(null, null, null, null, "{\"t\":{\"0\":1000}}", null).startingOffsetsByTimestamp())
                .isNotNull();
        assertThatThrownBy(() -> new ReadRange(null, null, null, null, null, "{\"t\":{\"1\":-1}}"))
                .hasMessageContaining("t-1");
    }
}
