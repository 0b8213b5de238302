package io.strata.membership.partition;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import io.strata.membership.hazelcast.MetadataSerialization;

import java.io.IOException;
import java.util.Map;

/**
 * Compare-and-set of a partition state on its owner: applies only when the current leader epoch is
 * the expected one ({@link #ABSENT}: when there is no state) and the new epoch is higher. A null new
 * state removes the entry. The result is {@code [1|0] + current state bytes (if any)}.
 * Internal to this library; public only for Hazelcast's serialization factory.
 */
public final class PartitionStateCas implements EntryProcessor<String, byte[], byte[]>, IdentifiedDataSerializable {

    public static final int ABSENT = -1;

    private int expectedEpoch;
    private byte[] newState;

    public PartitionStateCas() {
    }

    PartitionStateCas(int expectedEpoch, byte[] newState) {
        this.expectedEpoch = expectedEpoch;
        this.newState = newState;
    }

    @Override
    public byte[] process(Map.Entry<String, byte[]> entry) {
        byte[] current = entry.getValue();
        PartitionState cur = current == null ? null : PartitionState.fromBytes(current);
        boolean matches = expectedEpoch == ABSENT ? cur == null : cur != null && cur.leaderEpoch() == expectedEpoch;
        if (matches && newState != null && cur != null
                && PartitionState.fromBytes(newState).leaderEpoch() <= cur.leaderEpoch()) {
            matches = false; // epochs never go backwards (nor stay put on a change)
        }
        if (!matches) {
            return result(false, current);
        }
        entry.setValue(newState);
        return result(true, newState);
    }

    private static byte[] result(boolean applied, byte[] state) {
        byte[] out = new byte[1 + (state == null ? 0 : state.length)];
        out[0] = (byte) (applied ? 1 : 0);
        if (state != null) {
            System.arraycopy(state, 0, out, 1, state.length);
        }
        return out;
    }

    @Override
    public int getFactoryId() {
        return MetadataSerialization.FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return MetadataSerialization.PARTITION_STATE_CAS;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeInt(expectedEpoch);
        out.writeByteArray(newState);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        expectedEpoch = in.readInt();
        newState = in.readByteArray();
    }
}
