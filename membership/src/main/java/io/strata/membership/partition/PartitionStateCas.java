package io.strata.membership.partition;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import io.strata.membership.hazelcast.MetadataSerialization;

import java.io.IOException;
import java.util.Map;

/**
 * Compare-and-set of a partition state on its owner. With expected epochs {@link #ABSENT} it applies
 * only when there is no state (create); otherwise only when the current state has exactly the
 * expected leader and partition epochs and the new state moves forward: a higher partition epoch, a
 * leader epoch not lower, and a higher leader epoch whenever the leader changes. A null new state
 * removes the entry (the epoch rules then do not apply). The result is
 * {@code [1|0] + current state bytes (if any)}.
 * Internal to this library; public only for Hazelcast's serialization factory.
 */
public final class PartitionStateCas implements EntryProcessor<String, byte[], byte[]>, IdentifiedDataSerializable {

    public static final int ABSENT = -1;

    static final byte NOT_APPLIED = 0;
    static final byte APPLIED = 1;

    private int expectedLeaderEpoch;
    private int expectedPartitionEpoch;
    private byte[] newState;

    public PartitionStateCas() {
    }

    PartitionStateCas(int expectedLeaderEpoch, int expectedPartitionEpoch, byte[] newState) {
        this.expectedLeaderEpoch = expectedLeaderEpoch;
        this.expectedPartitionEpoch = expectedPartitionEpoch;
        this.newState = newState;
    }

    @Override
    public byte[] process(Map.Entry<String, byte[]> entry) {
        byte[] current = entry.getValue();
        PartitionState cur = current == null ? null : PartitionState.fromBytes(current);
        boolean matches;
        if (expectedLeaderEpoch == ABSENT) {
            matches = cur == null && newState != null;
        } else {
            matches = cur != null && cur.leaderEpoch() == expectedLeaderEpoch
                    && cur.partitionEpoch() == expectedPartitionEpoch
                    && (newState == null || movesForward(cur, PartitionState.fromBytes(newState)));
        }
        if (!matches) {
            return result(NOT_APPLIED, current);
        }
        entry.setValue(newState);
        return result(APPLIED, newState);
    }

    /** Epochs never go backwards nor stay put on a change; a new leader always brings a new leader epoch. */
    static boolean movesForward(PartitionState cur, PartitionState next) {
        return next.partitionEpoch() > cur.partitionEpoch()
                && next.leaderEpoch() >= cur.leaderEpoch()
                && (next.leaderNodeId() == cur.leaderNodeId() || next.leaderEpoch() > cur.leaderEpoch());
    }

    static byte[] result(byte status, byte[] state) {
        byte[] out = new byte[1 + (state == null ? 0 : state.length)];
        out[0] = status;
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
        out.writeInt(expectedLeaderEpoch);
        out.writeInt(expectedPartitionEpoch);
        out.writeByteArray(newState);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        expectedLeaderEpoch = in.readInt();
        expectedPartitionEpoch = in.readInt();
        newState = in.readByteArray();
    }
}
