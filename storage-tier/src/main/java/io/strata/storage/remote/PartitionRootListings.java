package io.strata.storage.remote;

import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Which partitions of a topic hold objects, from one delimiter listing of the topic's roots ({@code LIST
 * prefix=<topic>- delimiter=/}, one request per 1,000 roots) shared by the partitions opened after it, instead
 * of a manifest read each (a GET of the hint and a HEAD of the first version). A root without objects has no
 * manifest, so the partitions of a new topic, and any that never tiered anything, open without reads.
 *
 * <p>Freshness: a question about a partition whose state the node received at instant {@code t} is answered
 * only by a listing that started after {@code t}; an older one is never reused for it. The answer is thus
 * as recent as a manifest read made when the node learned of the state. Relies on listings being consistent
 * with writes, as in S3 (since December 2020), S3Proxy and MinIO. Roots of other topics whose names extend
 * {@code <topic>-} may be listed too; lookups are by exact root.
 *
 * <p>Thread-safety: safe for concurrent use. One listing per topic at a time: callers that need a newer one
 * than the latest wait for the one in progress and use it if it started late enough.
 */
final class PartitionRootListings {

    /** Listings older than this serve no state still to be applied; they are dropped when another is added. */
    private static final long KEEP_NANOS = TimeUnit.SECONDS.toNanos(60);

    private record Listing(long startedNanos, Set<String> roots) {
    }

    private final ObjectStore store;
    private final RemoteLogLayout layout;
    private final Map<String, Listing> latest = new ConcurrentHashMap<>();
    private final Object[] topicLocks = java.util.stream.Stream.generate(Object::new).limit(16).toArray();

    PartitionRootListings(ObjectStore store, RemoteLogLayout layout) {
        this.store = store;
        this.layout = layout;
    }

    /**
     * @param root          the partition's root ({@link RemoteLogLayout#partitionRoot})
     * @param notBeforeNanos when the node received the partition's state ({@link System#nanoTime()})
     * @return true when at least one object was below {@code root} at a listing started after {@code notBeforeNanos}
     */
    boolean holdsObjects(String topic, String root, long notBeforeNanos) {
        Listing listing = latest.get(topic);
        if (listing == null || listing.startedNanos() - notBeforeNanos <= 0) {
            synchronized (topicLocks[Math.floorMod(topic.hashCode(), topicLocks.length)]) {
                listing = latest.get(topic);
                if (listing == null || listing.startedNanos() - notBeforeNanos <= 0) {
                    long started = System.nanoTime();
                    listing = new Listing(started, Set.copyOf(store.listDirectories(layout.topicRootsPrefix(topic))));
                    dropOlderThan(started - KEEP_NANOS);
                    latest.put(topic, listing);
                }
            }
        }
        return listing.roots().contains(root);
    }

    private void dropOlderThan(long nanos) {
        for (Iterator<Listing> it = latest.values().iterator(); it.hasNext(); ) {
            if (it.next().startedNanos() - nanos < 0) {
                it.remove();
            }
        }
    }
}
