package io.strata.membership.partition;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import io.strata.membership.hazelcast.MetadataSerialization;

import java.io.IOException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

/**
 * A leader's ISR change (Kafka's AlterPartition), evaluated on the entry's owner: applies only while
 * the state still has the given leader, leader epoch and partition epoch, and then writes
 * {@link PartitionState#withIsr} (partition epoch + 1). An ISR equal to the current one is accepted
 * without a write. The result is {@code status + current state bytes (if any)}, status
 * {@link PartitionStateCas#APPLIED}, {@link PartitionStateCas#NOT_APPLIED} (fenced: the state moved
 * on) or {@link #INVALID} (the new ISR is not a subset of the replicas).
 * Internal to this library; public only for Hazelcast's serialization factory.
 */
public final class AlterIsr implements EntryProcessor<String, byte[], byte[]>, IdentifiedDataSerializable {

    static final byte INVALID = 2;

    private int leaderNodeId;
    private int leaderEpoch;
    private int partitionEpoch;
    private int[] newIsr;

    public AlterIsr() {
    }

    AlterIsr(int leaderNodeId, int leaderEpoch, int partitionEpoch, List<Integer> newIsr) {
        this.leaderNodeId = leaderNodeId;
        this.leaderEpoch = leaderEpoch;
        this.partitionEpoch = partitionEpoch;
        this.newIsr = newIsr.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public byte[] process(Map.Entry<String, byte[]> entry) {
        byte[] current = entry.getValue();
        if (current == null) {
            return PartitionStateCas.result(PartitionStateCas.NOT_APPLIED, null);
        }
        PartitionState cur = PartitionState.fromBytes(current);
        if (cur.leaderNodeId() != leaderNodeId || cur.leaderEpoch() != leaderEpoch
                || cur.partitionEpoch() != partitionEpoch) {
            return PartitionStateCas.result(PartitionStateCas.NOT_APPLIED, current);
        }
        List<Integer> isr = Arrays.stream(newIsr).boxed().toList();
        if (!cur.replicas().containsAll(isr)) {
            return PartitionStateCas.result(INVALID, current);
        }
        if (new HashSet<>(isr).equals(new HashSet<>(cur.isr()))) {
            return PartitionStateCas.result(PartitionStateCas.APPLIED, current);
        }
        byte[] next = cur.withIsr(isr).toBytes();
        entry.setValue(next);
        return PartitionStateCas.result(PartitionStateCas.APPLIED, next);
    }

    @Override
    public int getFactoryId() {
        return MetadataSerialization.FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return MetadataSerialization.ALTER_ISR;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeInt(leaderNodeId);
        out.writeInt(leaderEpoch);
        out.writeInt(partitionEpoch);
        out.writeIntArray(newIsr);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        leaderNodeId = in.readInt();
        leaderEpoch = in.readInt();
        partitionEpoch = in.readInt();
        newIsr = in.readIntArray();
    }
}
