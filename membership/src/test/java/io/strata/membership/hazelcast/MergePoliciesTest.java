package io.strata.membership.hazelcast;

import com.hazelcast.config.Config;
import com.hazelcast.spi.merge.MergingValue;
import com.hazelcast.spi.merge.PutIfAbsentMergePolicy;
import io.strata.membership.cluster.ControllerState;
import io.strata.membership.durable.ByteWriter;
import io.strata.membership.partition.PartitionState;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** Decisions of the split-brain merge policies, and that the maps are configured with them. */
class MergePoliciesTest {

    private static final UUID TOPIC = UUID.randomUUID();

    @Test
    void partitionStateWithTheHigherLeaderEpochThenPartitionEpochWins() {
        PartitionStateMergePolicy policy = new PartitionStateMergePolicy();
        byte[] older = new PartitionState(TOPIC, 1, 3, 9, List.of(1, 2), List.of(1, 2)).toBytes();
        byte[] newerIsr = new PartitionState(TOPIC, 1, 3, 10, List.of(1, 2), List.of(1)).toBytes();
        byte[] newLeader = new PartitionState(TOPIC, 2, 4, 5, List.of(1, 2), List.of(2)).toBytes();

        // the stale side's value never comes back, in either direction
        assertThat(merge(policy, older, newerIsr)).isSameAs(newerIsr);
        assertThat(merge(policy, newerIsr, older)).isSameAs(newerIsr);
        // the leader epoch decides before the partition epoch
        assertThat(merge(policy, newerIsr, newLeader)).isSameAs(newLeader);
        assertThat(merge(policy, newLeader, newerIsr)).isSameAs(newLeader);
        // a tie keeps the existing value; an entry one side lacks is kept
        byte[] tie = new PartitionState(TOPIC, 2, 3, 10, List.of(1, 2), List.of(2)).toBytes();
        assertThat(merge(policy, tie, newerIsr)).isSameAs(newerIsr);
        assertThat(policy.merge(value(older), null)).isSameAs(older);
        // an unreadable value loses
        assertThat(merge(policy, new byte[] {9}, older)).isSameAs(older);
        assertThat(merge(policy, older, new byte[] {9})).isSameAs(older);
    }

    @Test
    void controllerRecordWithTheHigherEpochWins() {
        ControllerStateMergePolicy policy = new ControllerStateMergePolicy();
        byte[] epoch4 = new ControllerState(1, 4).toBytes();
        byte[] epoch7 = new ControllerState(2, 7).toBytes();
        assertThat(merge(policy, epoch4, epoch7)).isSameAs(epoch7);
        assertThat(merge(policy, epoch7, epoch4)).isSameAs(epoch7);
    }

    @Test
    void producerIdCounterTakesTheHigherValue() {
        ProducerIdBlockMergePolicy policy = new ProducerIdBlockMergePolicy();
        byte[] low = new ByteWriter().writeByte(1).writeLong(1000).toByteArray();
        byte[] high = new ByteWriter().writeByte(1).writeLong(5000).toByteArray();
        assertThat(merge(policy, high, low)).isSameAs(high);
        assertThat(merge(policy, low, high)).isSameAs(high);
    }

    @Test
    void mapsAreConfiguredWithThePoliciesAndTheSerializationFactoryKnowsThem(@org.junit.jupiter.api.io.TempDir Path dir) {
        MembershipConfig cfg = MembershipConfig.builder(1).metadataDirectory(dir).build();
        Config c = HazelcastConfigs.build(cfg, TestCluster.info(1));
        assertThat(c.getMapConfig(MetadataMaps.PARTITIONS).getMergePolicyConfig().getPolicy())
                .isEqualTo(PartitionStateMergePolicy.class.getName());
        assertThat(c.getMapConfig(MetadataMaps.CONTROLLER).getMergePolicyConfig().getPolicy())
                .isEqualTo(ControllerStateMergePolicy.class.getName());
        assertThat(c.getMapConfig(MetadataMaps.PRODUCER_IDS).getMergePolicyConfig().getPolicy())
                .isEqualTo(ProducerIdBlockMergePolicy.class.getName());
        assertThat(c.getMapConfig(MetadataMaps.TOPICS).getMergePolicyConfig().getPolicy())
                .isEqualTo(PutIfAbsentMergePolicy.class.getName());
        assertThat(c.getMapConfig(MetadataMaps.GROUP_OFFSETS).getMergePolicyConfig().getPolicy())
                .isEqualTo(PutIfAbsentMergePolicy.class.getName());
        MetadataSerialization factory = new MetadataSerialization();
        for (HigherVersionMergePolicy p : List.of(new PartitionStateMergePolicy(), new ControllerStateMergePolicy(),
                new ProducerIdBlockMergePolicy())) {
            assertThat(p.getFactoryId()).isEqualTo(MetadataSerialization.FACTORY_ID);
            assertThat(factory.create(p.getClassId())).isInstanceOf(p.getClass());
        }
    }

    private static Object merge(HigherVersionMergePolicy policy, byte[] merging, byte[] existing) {
        return policy.merge(value(merging), value(existing));
    }

    /** A merging value whose raw form is the stored bytes themselves, so the winner can be told by identity. */
    private static MergingValue<byte[]> value(byte[] bytes) {
        return new MergingValue<>() {
            @Override
            public byte[] getDeserializedValue() {
                return bytes;
            }

            @Override
            public Object getRawValue() {
                return bytes;
            }
        };
    }
}
