package io.strata.storage.remote;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;

/**
 * Object keys of tiered partitions (docs/tiered-storage-format.md):
 * <pre>
 * [prefix/]&lt;topic&gt;-&lt;partition&gt;-&lt;topicId&gt;/manifest/&lt;20-digit version&gt;.json
 * [prefix/]&lt;topic&gt;-&lt;partition&gt;-&lt;topicId&gt;/manifest/latest-hint
 * [prefix/]&lt;topic&gt;-&lt;partition&gt;-&lt;topicId&gt;/segments/&lt;20-digit base offset&gt;-&lt;20-digit next offset&gt;.{log,index,timeindex,snapshot}
 * </pre>
 * Stateless.
 */
public final class RemoteLogLayout {

    public static final String LOG = ".log";
    public static final String OFFSET_INDEX = ".index";
    public static final String TIME_INDEX = ".timeindex";
    public static final String PRODUCER_SNAPSHOT = ".snapshot";

    private final String prefix;

    public RemoteLogLayout(String prefix) {
        this.prefix = prefix == null || prefix.isEmpty() ? "" : prefix + "/";
    }

    /** The partition's root, ending with '/'. */
    public String partitionRoot(TopicPartition tp, Uuid topicId) {
        return prefix + tp.topic() + "-" + tp.partition() + "-" + topicId + "/";
    }

    /** What the roots of every partition of {@code topic} start with (roots of other topics may share it). */
    public String topicRootsPrefix(String topic) {
        return prefix + topic + "-";
    }

    public static String manifestKey(String root, long version) {
        return root + "manifest/" + String.format("%020d", version) + ".json";
    }

    public static String hintKey(String root) {
        return root + "manifest/latest-hint";
    }

    /** Stem of a segment's objects, relative to the partition root. */
    public static String segmentStem(long baseOffset, long nextOffset) {
        return "segments/" + String.format("%020d", baseOffset) + "-" + String.format("%020d", nextOffset);
    }
}
