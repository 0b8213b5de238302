package io.strata.membership.topic;

import io.strata.membership.cluster.ControllerState;
import io.strata.membership.durable.ByteWriter;
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

        PartitionState state = new PartitionState(UUID.randomUUID(), 2, 17, 40, List.of(2, 0, 1), List.of(2, 1));
        byte[] bytes = state.toBytes();
        assertThat(bytes).hasSize(1 + 16 + 4 + 4 + 4 + 4 + 3 * 4 + 4 + 2 * 4);
        assertThat(PartitionState.fromBytes(bytes)).isEqualTo(state);

        ControllerState controller = new ControllerState(4, 9);
        assertThat(ControllerState.fromBytes(controller.toBytes())).isEqualTo(controller);
        assertThat(ControllerState.fromBytes(null)).isEqualTo(ControllerState.NONE);

        assertThat(PartitionId.fromKey(new PartitionId("my-topic-2", 11).key())).isEqualTo(new PartitionId("my-topic-2", 11));
    }

    @Test
    void manualReplicaAssignmentRoundTripsAndVersionOneRecordsAreRead() {
        TopicDescriptor t = new TopicDescriptor("placed", UUID.randomUUID(), 3, Map.of("a", "b"));
        TopicRecord manual = new TopicRecord(t, 0, Map.of(0, List.of(3, 1), 1, List.of(1, 2), 2, List.of(2, 3)));
        TopicRecord read = TopicDescriptorCodec.decodeRecord(TopicDescriptorCodec.encode(manual));
        assertThat(read).isEqualTo(manual);
        assertThat(read.replicationFactor()).isEqualTo(2);
        assertThat(read.manualReplicas(0)).containsExactly(3, 1);

        // version 1: no assignment field
        ByteWriter w = new ByteWriter().writeByte(1).writeString("old").writeUuid(t.topicId()).writeInt(4).writeInt(3)
                .writeInt(1).writeString("retention.ms").writeString("10");
        TopicRecord v1 = TopicDescriptorCodec.decodeRecord(w.toByteArray());
        assertThat(v1).isEqualTo(new TopicRecord(new TopicDescriptor("old", t.topicId(), 4, Map.of("retention.ms", "10")), 3));
        assertThat(v1.replicaAssignment()).isEmpty();
    }
}
