package io.strata.spark;

import io.strata.spark.PartitionCatalog.PartitionSource;
import io.strata.storage.remote.RemoteLogReader;
import io.strata.storage.remote.RemoteSegment;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns manifests and offset ranges into input partitions, from manifests and index objects alone:
 * <ul>
 *   <li>one {@link SegmentSlice} per uploaded segment overlapping a partition's range (clipped to it and to the
 *       log start offset);</li>
 *   <li>segments whose largest timestamp is below a pushed-down lowest timestamp are skipped, and in the others the
 *       start moves past what the uploaded time index shows to be older;</li>
 *   <li>a slice larger than {@code maxBytesPerPartition} (or than the total divided by {@code minPartitions}, when
 *       that asks for more partitions than there are segments) is cut at batch boundaries taken from the segment's
 *       uploaded offset index.</li>
 * </ul>
 * Also resolves Kafka-style starting and ending offsets and timestamps to offsets. Stateless apart from the
 * reader it uses for index objects; not thread-safe (one planning at a time).
 */
final class SegmentPlanner {

    private static final Logger LOG = LoggerFactory.getLogger(SegmentPlanner.class);

    /** What planning skipped, for the scan description and tests. */
    record Plan(List<SegmentSlice> slices, int segmentsConsidered, int segmentsPrunedByTime) {
    }

    private final StoreSettings settings;
    private final RemoteLogReader reader;

    SegmentPlanner(StoreSettings settings) {
        this.settings = settings;
        // Driver-side reads are index objects and a few batches of timestamp searches: small chunks, no read-ahead.
        this.reader = new RemoteLogReader(settings.store(), 256 * 1024, 16L * 1024 * 1024, 0, Runnable::run);
    }

    // ------------------------------------------------------------------ offsets

    /**
     * Start offset of each partition from {@code startingOffsets}, {@code startingOffsetsByTimestamp} or
     * {@code startingTimestamp} (the most specific given wins, as in Spark's Kafka source). Partitions a
     * per-partition JSON does not name start at their log start offset.
     *
     * @param defaultSpec "earliest" (batch) or "latest" (streaming) when neither option is given
     */
    Map<TopicPartition, Long> startOffsets(List<PartitionSource> sources, ReadRange options, String defaultSpec) {
        Map<TopicPartition, Long> out = new LinkedHashMap<>();
        PartitionOffsets json = parseSpec(options.startingOffsets());
        PartitionOffsets byTime = options.startingOffsetsByTimestamp() == null ? null
                : PartitionOffsets.parse(options.startingOffsetsByTimestamp());
        for (PartitionSource s : sources) {
            long offset;
            if (options.startingTimestamp() != null) {
                offset = offsetForTimestamp(s, options.startingTimestamp());
            } else if (byTime != null) {
                Long ts = byTime.get(s.tp());
                offset = ts == null ? s.logStartOffset() : offsetForTimestamp(s, ts);
            } else if (json != null) {
                Long given = json.get(s.tp());
                offset = given == null ? s.logStartOffset() : resolve(s, given);
            } else {
                offset = resolve(s, spec(options.startingOffsets() == null ? defaultSpec : options.startingOffsets()));
            }
            out.put(s.tp(), offset);
        }
        return out;
    }

    /**
     * End offset (exclusive) of each partition from {@code endingOffsets}, {@code endingOffsetsByTimestamp} or
     * {@code endingTimestamp} (the most specific given wins, as in Spark's Kafka source); batch only. Partitions a
     * per-partition JSON does not name end at the end of what is uploaded.
     */
    Map<TopicPartition, Long> endOffsets(List<PartitionSource> sources, ReadRange options) {
        Map<TopicPartition, Long> out = new LinkedHashMap<>();
        PartitionOffsets json = parseSpec(options.endingOffsets());
        PartitionOffsets byTime = options.endingOffsetsByTimestamp() == null ? null
                : PartitionOffsets.parse(options.endingOffsetsByTimestamp());
        for (PartitionSource s : sources) {
            long offset;
            if (options.endingTimestamp() != null) {
                offset = offsetForTimestamp(s, options.endingTimestamp());
            } else if (byTime != null) {
                Long ts = byTime.get(s.tp());
                offset = ts == null ? s.endOffset() : offsetForTimestamp(s, ts);
            } else if (json != null) {
                Long given = json.get(s.tp());
                offset = given == null ? s.endOffset() : resolve(s, given);
            } else {
                offset = resolve(s, spec(options.endingOffsets() == null ? "latest" : options.endingOffsets()));
            }
            if (offset > s.endOffset()) {
                LOG.warn("Ending offset {} of {} is past what is sealed and uploaded ({}): reading up to {}", offset,
                        s.tp(), s.endOffset(), s.endOffset());
                offset = s.endOffset();
            }
            out.put(s.tp(), offset);
        }
        return out;
    }

    private static PartitionOffsets parseSpec(String spec) {
        if (spec == null || spec.equalsIgnoreCase("earliest") || spec.equalsIgnoreCase("latest")) {
            return null;
        }
        return PartitionOffsets.parse(spec);
    }

    private static long spec(String spec) {
        if (spec.equalsIgnoreCase("earliest")) {
            return PartitionOffsets.EARLIEST;
        }
        if (spec.equalsIgnoreCase("latest")) {
            return PartitionOffsets.LATEST;
        }
        throw new IllegalArgumentException("offsets must be 'earliest', 'latest' or JSON, got " + spec);
    }

    private static long resolve(PartitionSource s, long offset) {
        if (offset == PartitionOffsets.EARLIEST) {
            return s.logStartOffset();
        }
        if (offset == PartitionOffsets.LATEST) {
            return s.endOffset();
        }
        if (offset < 0) {
            throw new IllegalArgumentException("offset " + offset + " of " + s.tp() + " is neither -2, -1 nor an offset");
        }
        return offset;
    }

    /**
     * The first offset whose record has a timestamp at or after {@code timestamp} (Kafka's ListOffsets by time, over
     * the uploaded segments), or the end offset when there is none.
     */
    long offsetForTimestamp(PartitionSource s, long timestamp) {
        for (RemoteSegment segment : s.manifest().segments()) {
            if (segment.nextOffset() <= s.logStartOffset() || segment.maxTimestamp() < timestamp) {
                continue;
            }
            var found = reader.searchForTimestamp(s.root(), segment, timestamp,
                    Math.max(s.logStartOffset(), segment.baseOffset()));
            if (found.isPresent()) {
                return found.get().offset;
            }
        }
        return s.endOffset();
    }

    // ------------------------------------------------------------------ slices

    /**
     * Input partitions for {@code [from, until)} of each partition.
     *
     * @param failOnDataLoss whether a start below the log start offset fails (else it moves up to it)
     */
    Plan plan(List<PartitionSource> sources, Map<TopicPartition, Long> from, Map<TopicPartition, Long> until,
              ScanFilters filters, long maxBytesPerPartition, int minPartitions, boolean failOnDataLoss) {
        record Piece(PartitionSource source, RemoteSegment segment, long from, long until, long bytes) {
        }
        List<Piece> pieces = new ArrayList<>();
        int considered = 0;
        int prunedByTime = 0;
        for (PartitionSource s : sources) {
            if (!filters.allowsPartition(s.tp().partition()) || !from.containsKey(s.tp()) || !until.containsKey(s.tp())) {
                continue;
            }
            long start = from.get(s.tp());
            long end = Math.min(until.get(s.tp()), filters.offsetMax());
            if (start < s.logStartOffset()) {
                if (failOnDataLoss && start < end) {
                    throw new IllegalStateException("Offsets [" + start + ", " + s.logStartOffset() + ") of " + s.tp()
                            + " are no longer in the bucket (retention moved its log start offset to "
                            + s.logStartOffset() + "). Set failOnDataLoss=false to start at the log start offset.");
                }
                start = s.logStartOffset();
            }
            start = Math.max(start, filters.offsetMin());
            for (RemoteSegment segment : s.manifest().segments()) {
                long lo = Math.max(start, segment.baseOffset());
                long hi = Math.min(end, segment.nextOffset());
                if (lo >= hi) {
                    continue;
                }
                considered++;
                if (filters.hasTimestampBound()) {
                    if (segment.maxTimestamp() < filters.minTimestampMs()) {
                        prunedByTime++;
                        continue;
                    }
                    try {
                        lo = Math.max(lo, reader.offsetBeforeTimestamp(s.root(), segment, filters.minTimestampMs()));
                    } catch (KafkaStorageException e) {
                        if (failOnDataLoss) {
                            throw e;
                        }
                        LOG.warn("Time index of {} unreadable, reading the segment whole: {}", segment.objectStem(),
                                e.getMessage());
                    }
                    if (lo >= hi) {
                        continue;
                    }
                }
                long span = segment.nextOffset() - segment.baseOffset();
                long bytes = Math.max(1, (long) ((double) segment.sizeInBytes() * (hi - lo) / span));
                pieces.add(new Piece(s, segment, lo, hi, bytes));
            }
        }
        long total = pieces.stream().mapToLong(Piece::bytes).sum();
        long target = maxBytesPerPartition;
        if (minPartitions > pieces.size() && total > 0) {
            target = Math.min(target, Math.max(1, (total + minPartitions - 1) / minPartitions));
        }
        List<SegmentSlice> slices = new ArrayList<>();
        for (Piece p : pieces) {
            if (p.bytes <= target) {
                slices.add(SegmentSlice.of(p.source, p.segment, p.from, p.until, p.bytes));
            } else {
                slices.addAll(split(p.source, p.segment, p.from, p.until, target, failOnDataLoss));
            }
        }
        return new Plan(slices, considered, prunedByTime);
    }

    /** Cuts {@code [from, until)} of a segment after batches its offset index names, about every {@code target} bytes. */
    private List<SegmentSlice> split(PartitionSource s, RemoteSegment segment, long from, long until, long target,
                                     boolean failOnDataLoss) {
        List<RemoteLogReader.BatchPosition> entries;
        try {
            entries = reader.offsetIndexEntries(s.root(), segment);
        } catch (KafkaStorageException e) {
            if (failOnDataLoss) {
                throw e;
            }
            LOG.warn("Offset index of {} unreadable, not splitting the segment: {}", segment.objectStem(), e.getMessage());
            entries = List.of();
        }
        List<SegmentSlice> out = new ArrayList<>();
        long sliceStart = from;
        long sliceStartPosition = 0;
        for (RemoteLogReader.BatchPosition e : entries) {
            long boundary = e.lastOffset() + 1; // the batch after this entry's starts here
            if (boundary <= from) {
                sliceStartPosition = e.position();
                continue;
            }
            if (boundary >= until) {
                break;
            }
            if (e.position() - sliceStartPosition >= target) {
                out.add(SegmentSlice.of(s, segment, sliceStart, boundary, e.position() - sliceStartPosition));
                sliceStart = boundary;
                sliceStartPosition = e.position();
            }
        }
        out.add(SegmentSlice.of(s, segment, sliceStart, until, Math.max(1, segment.sizeInBytes() - sliceStartPosition)));
        return out;
    }
}
