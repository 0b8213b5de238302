package io.strata.membership.group;

import io.strata.membership.durable.CorruptMetadataException;
import io.strata.membership.partition.PartitionId;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GroupOffsetsCodecTest {

    @Test
    void roundTripsIncludingNullMetadata() {
        Map<PartitionId, CommittedOffset> offsets = Map.of(
                new PartitionId("a", 0), new CommittedOffset(5, 1, "m", 10),
                new PartitionId("b-with-dash", 12), new CommittedOffset(0, -1, null, 11));
        byte[] bytes = GroupOffsetsCodec.encode(offsets);
        assertThat(bytes[0]).isEqualTo((byte) 1);
        assertThat(GroupOffsetsCodec.decode(bytes)).isEqualTo(offsets);
        assertThat(GroupOffsetsCodec.decodePartitions(GroupOffsetsCodec.encodePartitions(List.of(new PartitionId("a", 3)))))
                .containsExactly(new PartitionId("a", 3));
    }

    @Test
    void rejectsUnknownVersionsAndTruncation() {
        byte[] bytes = GroupOffsetsCodec.encode(Map.of(new PartitionId("a", 0), new CommittedOffset(5, 1, "m", 10)));
        assertThatThrownBy(() -> GroupOffsetsCodec.decode(Arrays.copyOf(bytes, bytes.length - 1)))
                .isInstanceOf(CorruptMetadataException.class);
        bytes[0] = 9;
        assertThatThrownBy(() -> GroupOffsetsCodec.decode(bytes)).isInstanceOf(CorruptMetadataException.class)
                .hasMessageContaining("version 9");
    }
}
