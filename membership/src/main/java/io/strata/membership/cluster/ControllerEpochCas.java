package io.strata.membership.cluster;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import io.strata.membership.hazelcast.MetadataSerialization;

import java.io.IOException;
import java.util.Map;

/**
 * Claims the controller epoch: when the current epoch is the expected one, writes
 * {@code (nodeId, expected + 1)}. Returns the controller state after the call.
 * Internal to this library; public only for Hazelcast's serialization factory.
 */
public final class ControllerEpochCas implements EntryProcessor<String, byte[], byte[]>, IdentifiedDataSerializable {

    private int expectedEpoch;
    private int nodeId;

    public ControllerEpochCas() {
    }

    ControllerEpochCas(int expectedEpoch, int nodeId) {
        this.expectedEpoch = expectedEpoch;
        this.nodeId = nodeId;
    }

    @Override
    public byte[] process(Map.Entry<String, byte[]> entry) {
        ControllerState current = ControllerState.fromBytes(entry.getValue());
        if (current.epoch() != expectedEpoch) {
            return current.toBytes();
        }
        byte[] next = new ControllerState(nodeId, expectedEpoch + 1).toBytes();
        entry.setValue(next);
        return next;
    }

    @Override
    public int getFactoryId() {
        return MetadataSerialization.FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return MetadataSerialization.CONTROLLER_EPOCH_CAS;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeInt(expectedEpoch);
        out.writeInt(nodeId);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        expectedEpoch = in.readInt();
        nodeId = in.readInt();
    }
}
