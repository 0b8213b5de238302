package io.strata.membership.cluster;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import io.strata.membership.durable.ByteReader;
import io.strata.membership.durable.ByteWriter;
import io.strata.membership.hazelcast.MetadataSerialization;

import java.io.IOException;
import java.util.Map;

/**
 * Reserves the next block of producer ids on the durable counter's owner: reads the first id of the
 * next unreserved block, advances the counter by the block size (written through before the answer
 * is sent) and returns the block's first id. Atomic per key, so concurrent reservations from
 * several nodes get disjoint blocks.
 *
 * <p>Counter format, version 1: {@code u8 1 | i64 nextBlockStart}.
 * Internal to this library; public only for Hazelcast's serialization factory.
 */
public final class ReserveProducerIdBlock implements EntryProcessor<String, byte[], Long>, IdentifiedDataSerializable {

    private static final int FORMAT_VERSION = 1;

    private int blockSize;

    public ReserveProducerIdBlock() {
    }

    ReserveProducerIdBlock(int blockSize) {
        this.blockSize = blockSize;
    }

    @Override
    public Long process(Map.Entry<String, byte[]> entry) {
        long start = decode(entry.getValue());
        entry.setValue(encode(Math.addExact(start, blockSize)));
        return start;
    }

    /** The first unreserved producer id of a stored counter (0 for none); also read by the merge policy. */
    public static long decode(byte[] bytes) {
        if (bytes == null) {
            return 0L;
        }
        ByteReader r = new ByteReader(bytes).expectVersion(FORMAT_VERSION, "producer id counter");
        long v = r.readLong();
        r.expectEnd();
        return v;
    }

    static byte[] encode(long nextBlockStart) {
        return new ByteWriter().writeByte(FORMAT_VERSION).writeLong(nextBlockStart).toByteArray();
    }

    @Override
    public int getFactoryId() {
        return MetadataSerialization.FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return MetadataSerialization.RESERVE_PRODUCER_ID_BLOCK;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeInt(blockSize);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        blockSize = in.readInt();
    }
}
