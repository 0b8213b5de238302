package io.strata.storage.remote;

import com.fasterxml.jackson.annotation.JsonIgnore;
import io.strata.storage.log.EpochStart;

import java.util.ArrayList;
import java.util.List;

/**
 * The source of truth for what object storage holds of one partition: an immutable version of the
 * manifest, stored as JSON at {@code <partition root>/manifest/<20-digit version>.json}
 * (docs/tiered-storage-format.md). A segment's objects count only once a manifest version lists it;
 * a version is written once and never changed.
 *
 * <p>Invariants: segments are ordered by base offset and do not overlap; every listed segment ends
 * after {@code logStartOffset}; {@code version} grows by one per change.
 *
 * @param formatVersion   layout version, {@value #FORMAT_VERSION}
 * @param topic           topic name
 * @param partition       partition index
 * @param topicId         the topic id (Kafka's base64 form); a recreated topic of the same name has another
 * @param version         this manifest's version; 0 for "nothing uploaded yet" (never stored)
 * @param leaderEpoch     leader epoch of the broker that wrote this version (writers with a lower one are fenced)
 * @param logStartOffset  the partition's log start offset; offsets below it are deleted
 * @param segments        uploaded segments, oldest first
 */
public record PartitionManifest(int formatVersion, String topic, int partition, String topicId, long version,
                                int leaderEpoch, long logStartOffset, List<RemoteSegment> segments) {

    public static final int FORMAT_VERSION = 1;

    public PartitionManifest {
        segments = segments == null ? List.of() : List.copyOf(segments);
    }

    public static PartitionManifest empty(String topic, int partition, String topicId) {
        return new PartitionManifest(FORMAT_VERSION, topic, partition, topicId, 0L, -1, 0L, List.of());
    }

    @JsonIgnore
    public boolean isEmpty() {
        return segments.isEmpty();
    }

    /** Offset after the last uploaded batch; the log start offset when nothing is uploaded. */
    @JsonIgnore
    public long endOffset() {
        return segments.isEmpty() ? logStartOffset : segments.get(segments.size() - 1).nextOffset();
    }

    /** Sum of the segments' sizes. */
    @JsonIgnore
    public long sizeInBytes() {
        long size = 0;
        for (RemoteSegment s : segments) {
            size += s.sizeInBytes();
        }
        return size;
    }

    /** The segment holding {@code offset}, or the first one after it; null when none does. */
    public RemoteSegment segmentFor(long offset) {
        int lo = 0;
        int hi = segments.size() - 1;
        RemoteSegment found = null;
        while (lo <= hi) { // first segment ending after the offset; runs on network threads, so no linear scan
            int mid = (lo + hi) >>> 1;
            if (segments.get(mid).nextOffset() > offset) {
                found = segments.get(mid);
                hi = mid - 1;
            } else {
                lo = mid + 1;
            }
        }
        return found;
    }

    /** The leader-epoch history of the uploaded segments. */
    @JsonIgnore
    public List<EpochStart> leaderEpochs() {
        List<EpochStart> out = new ArrayList<>();
        for (RemoteSegment s : segments) {
            for (EpochStart e : s.leaderEpochs()) {
                if (out.isEmpty() || out.get(out.size() - 1).epoch() != e.epoch()) {
                    out.add(e);
                }
            }
        }
        return out;
    }

    /** The next version with {@code segment} appended; the log start offset starts at the first segment. */
    public PartitionManifest withSegment(RemoteSegment segment, int writerEpoch) {
        if (!segments.isEmpty() && segment.baseOffset() < endOffset()) {
            throw new IllegalArgumentException("segment " + segment.baseOffset() + " overlaps the manifest end " + endOffset());
        }
        List<RemoteSegment> next = new ArrayList<>(segments);
        next.add(segment);
        long start = segments.isEmpty() ? Math.max(logStartOffset, segment.baseOffset()) : logStartOffset;
        return new PartitionManifest(FORMAT_VERSION, topic, partition, topicId, version + 1,
                Math.max(leaderEpoch, writerEpoch), start, next);
    }

    /** The next version with the log start at {@code newStart} and the segments wholly below it gone. */
    public PartitionManifest withLogStartOffset(long newStart, int writerEpoch) {
        List<RemoteSegment> kept = segments.stream().filter(s -> s.nextOffset() > newStart).toList();
        return new PartitionManifest(FORMAT_VERSION, topic, partition, topicId, version + 1,
                Math.max(leaderEpoch, writerEpoch), Math.max(logStartOffset, newStart), kept);
    }
}
