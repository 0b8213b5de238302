package io.strata.spark;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of what readers of this JVM fetched from the object store: GET requests and bytes (over every
 * shared store, including manifest and index reads of the planner), listings, and segment slices read. In local mode
 * driver and executors share the JVM, so a job's cost is the difference of two {@link #snapshot()}s; on a
 * cluster each executor counts its own. Thread-safe.
 */
public final class ReadMetrics {

    private static final LongAdder SLICES_READ = new LongAdder();
    private static final LongAdder RECORDS_READ = new LongAdder();

    private ReadMetrics() {
    }

    /** Counters at one moment. */
    public record Snapshot(long getRequests, long bytesDownloaded, long listRequests, long slicesRead,
                           long recordsRead) {
        /** What happened between {@code earlier} and this snapshot. */
        public Snapshot minus(Snapshot earlier) {
            return new Snapshot(getRequests - earlier.getRequests, bytesDownloaded - earlier.bytesDownloaded,
                    listRequests - earlier.listRequests, slicesRead - earlier.slicesRead,
                    recordsRead - earlier.recordsRead);
        }
    }

    public static Snapshot snapshot() {
        return new Snapshot(StoreSettings.getRequests(), StoreSettings.bytesDownloaded(), StoreSettings.listRequests(),
                SLICES_READ.sum(), RECORDS_READ.sum());
    }

    static void sliceOpened() {
        SLICES_READ.increment();
    }

    static void recordsRead(long n) {
        RECORDS_READ.add(n);
    }
}
