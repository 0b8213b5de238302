package io.strata.membership.cluster;

import com.hazelcast.map.IMap;

/**
 * Cluster-wide producer ids: each node reserves blocks of ids from one durable counter (the first id
 * of the next unreserved block) with an atomic entry processor on the counter's owner
 * ({@link ReserveProducerIdBlock}), then hands the block's ids out locally. Blocks of different
 * nodes are disjoint; the counter is written through to the metadata store before a block is
 * handed out, so no id repeats across restarts (a restart skips the rest of the current block).
 */
public final class HazelcastProducerIdAllocator implements ProducerIdAllocator {

    static final String KEY = "next-block";

    private final IMap<String, byte[]> map;
    private final int blockSize;
    private final WriteQuorum quorum;
    private long next;
    private long blockEnd;

    public HazelcastProducerIdAllocator(IMap<String, byte[]> map, int blockSize, WriteQuorum quorum) {
        this.map = map;
        this.quorum = quorum;
        this.blockSize = blockSize;
    }

    @Override
    public synchronized long nextProducerId() {
        if (next >= blockEnd) {
            quorum.check();
            long start = map.executeOnKey(KEY, new ReserveProducerIdBlock(blockSize));
            next = start;
            blockEnd = start + blockSize;
        }
        return next++;
    }

    /** The first id no node has reserved yet (the durable high-water mark). */
    public long highWaterMark() {
        return ReserveProducerIdBlock.decode(map.get(KEY));
    }
}
