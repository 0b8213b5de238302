package io.strata.membership.topic;

import io.strata.membership.cluster.ControllerState;
import io.strata.membership.partition.PartitionId;
import io.strata.membership.partition.PartitionState;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class TopicDescriptorCodecTest {

    @Test
    void metadataValuesRoundTrip() {
        TopicRecord topic = new TopicRecord(new TopicDescriptor("orders", UUID.randomUUID(), 12,
                Map.of("retention.ms", "1000", "cleanup.policy", "compact")), 3);
        assertThat(TopicDescriptorCodec.decodeRecord(TopicDescriptorCodec.encode(topic))).isEqualTo(topic);
        assertThat(TopicDescriptorCodec.decode(null)).isNull();

        PartitionState state = new PartitionState(UUID.randomUUID(), 2, 17, List.of(2, 0, 1));
        byte[] bytes = state.toBytes();
        assertThat(bytes).hasSize(1 + 16 + 4 + 4 + 4 + 3 * 4);
        assertThat(PartitionState.fromBytes(bytes)).isEqualTo(state);

        ControllerState controller = new ControllerState(4, 9);
        assertThat(ControllerState.fromBytes(controller.toBytes())).isEqualTo(controller);
        assertThat(ControllerState.fromBytes(null)).isEqualTo(ControllerState.NONE);

        assertThat(PartitionId.fromKey(new PartitionId("my-topic-2", 11).key())).isEqualTo(new PartitionId("my-topic-2", 11));
    }
}
