package io.strata.ingest.broker;

import java.util.ArrayDeque;

/**
 * Bytes appended by the leader above the high watermark, so that a high-watermark move can tell
 * waiting consumers how many bytes became readable (Fetch min.bytes) without reading the log.
 *
 * <p>Keeps one entry per append: its end offset and the bytes appended so far. Bounded: when the
 * high watermark lags far (a follower stalls until it leaves the ISR), the oldest entries are
 * merged, which only makes a later count come out early, never late. Thread-safe.
 */
final class AppendLedger {

    private static final int MAX_ENTRIES = 65_536;

    private final ArrayDeque<long[]> entries = new ArrayDeque<>();
    private long appendedBytes;
    private long reportedBytes;

    /** A batch ending before {@code endOffset} of {@code bytes} bytes was appended. */
    synchronized void appended(long endOffset, long bytes) {
        appendedBytes += bytes;
        if (entries.size() >= MAX_ENTRIES) {
            entries.pollFirst();
        }
        entries.addLast(new long[]{endOffset, appendedBytes});
    }

    /** Bytes of the appends that end at or below {@code highWatermark} not reported before. */
    synchronized long bytesUpTo(long highWatermark) {
        long upTo = reportedBytes;
        while (!entries.isEmpty() && entries.peekFirst()[0] <= highWatermark) {
            upTo = entries.pollFirst()[1];
        }
        long delta = upTo - reportedBytes;
        reportedBytes = upTo;
        return delta;
    }

    synchronized void clear() {
        entries.clear();
        reportedBytes = appendedBytes;
    }
}
