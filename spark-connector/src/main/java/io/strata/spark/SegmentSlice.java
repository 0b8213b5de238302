package io.strata.spark;

import io.strata.storage.remote.RemoteSegment;
import org.apache.kafka.common.TopicPartition;
import java.io.Serializable;

import java.util.List;

/**
 * One unit of reading work (a Spark input partition, a Hadoop split): offsets {@code [fromOffset, untilOffset)} of one uploaded segment, the whole
 * segment or a range of it that starts and ends at batch boundaries. Carries what the executor needs to read
 * the segment's objects without its manifest. Immutable, serializable; free of Spark classes.
 *
 * @param tp             the partition
 * @param root           the partition's root in the bucket, ending with '/'
 * @param baseOffset     the segment's base offset (as the manifest lists it)
 * @param nextOffset     the segment's next offset
 * @param sizeInBytes    the segment's {@code .log} size
 * @param maxTimestamp   the segment's largest timestamp
 * @param objectStem     the segment's objects relative to {@code root}, without extension
 * @param fromOffset     first offset to return
 * @param untilOffset    offset after the last one to return
 * @param estimatedBytes bytes of {@code .log} this slice covers, about
 */
public record SegmentSlice(TopicPartition tp, String root, long baseOffset, long nextOffset, long sizeInBytes,
                           long maxTimestamp, String objectStem, long fromOffset, long untilOffset,
                           long estimatedBytes) implements Serializable {

    static SegmentSlice of(PartitionCatalog.PartitionSource source, RemoteSegment s, long from, long until, long bytes) {
        return new SegmentSlice(source.tp(), source.root(), s.baseOffset(), s.nextOffset(), s.sizeInBytes(),
                s.maxTimestamp(), s.objectStem(), from, until, bytes);
    }

    /** The segment as storage-tier's reader takes it. */
    RemoteSegment segment() {
        return new RemoteSegment(baseOffset, nextOffset, sizeInBytes, maxTimestamp, objectStem, false, List.of(), 0L);
    }

    /** Key of the segment's {@code .log} object, for messages. */
    public String logKey() {
        return root + objectStem + ".log";
    }
}
