package io.strata.membership.cluster;

import io.strata.membership.durable.ByteReader;
import io.strata.membership.durable.ByteWriter;

/**
 * The durable controller record: which node was last elected controller, under which epoch. The
 * epoch grows by one at every election and never goes backwards, also across full restarts.
 */
public record ControllerState(int nodeId, int epoch) {

    private static final int FORMAT_VERSION = 1;

    /** Before the first election. */
    public static final ControllerState NONE = new ControllerState(-1, 0);

    /** Format version 1, big-endian: {@code u8 1 | i32 nodeId | i32 epoch}. */
    public byte[] toBytes() {
        return new ByteWriter().writeByte(FORMAT_VERSION).writeInt(nodeId).writeInt(epoch).toByteArray();
    }

    public static ControllerState fromBytes(byte[] bytes) {
        if (bytes == null) {
            return NONE;
        }
        ByteReader r = new ByteReader(bytes).expectVersion(FORMAT_VERSION, "controller state");
        ControllerState s = new ControllerState(r.readInt(), r.readInt());
        r.expectEnd();
        return s;
    }
}
