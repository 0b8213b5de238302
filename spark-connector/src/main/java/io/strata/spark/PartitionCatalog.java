package io.strata.spark;

import io.strata.storage.remote.ManifestStore;
import io.strata.storage.remote.ObjectStore;
import io.strata.storage.remote.PartitionManifest;
import io.strata.storage.remote.RemoteSegment;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Finds the partitions a query selects and reads their latest manifests (docs/tiered-storage-format.md).
 *
 * <p>Partition roots are named {@code <topic>-<partition>-<topicId>/} and the topic id is not known from the
 * topic name, so the roots are found with one delimiter listing of the prefix: it returns directory names only,
 * never segment keys. What a partition holds comes from its latest manifest alone (read with storage-tier's
 * {@link ManifestStore}; the hint, HEADs of the versions after it, one GET); a root without any manifest is the
 * leftover of a deleted topic and is ignored. If a topic was deleted and created again and the old root still has
 * a manifest (its deletion failed), the root whose last upload is newest wins.
 *
 * <p>With the {@code topicIds} option ({@link TopicIds}) no listing is made: the roots are named from the topic ids,
 * for {@code assign} exactly the assigned partitions, for {@code subscribe} partitions 0 up to the given count or,
 * without a count, up to the first partition that has no manifest.
 *
 * <p>Stateless; thread-safe.
 */
final class PartitionCatalog {

    private static final Logger LOG = LoggerFactory.getLogger(PartitionCatalog.class);
    /** Base64 form of a Kafka Uuid. */
    private static final int TOPIC_ID_CHARS = 22;

    /** One partition of the bucket and its latest manifest. */
    record PartitionSource(TopicPartition tp, String root, PartitionManifest manifest) {
        long logStartOffset() {
            return manifest.logStartOffset();
        }

        /** The end of what is readable: the next offset after the last sealed, uploaded segment. */
        long endOffset() {
            return manifest.endOffset();
        }
    }

    private PartitionCatalog() {
    }

    /** The selected partitions with their manifests, sorted by topic and partition (roots found by a listing). */
    static List<PartitionSource> resolve(StoreSettings settings, TopicSelection selection) {
        return resolve(settings, selection, Optional.empty());
    }

    /**
     * The selected partitions with their manifests, sorted by topic and partition.
     *
     * @param topicIds the topics' ids, to name the roots without listing; empty to list the top level
     */
    static List<PartitionSource> resolve(StoreSettings settings, TopicSelection selection, Optional<TopicIds> topicIds) {
        ObjectStore store = settings.store();
        String base = settings.prefix().isEmpty() ? "" : stripSlashes(settings.prefix()) + "/";
        ManifestStore manifests = new ManifestStore(store);
        List<PartitionSource> found = new ArrayList<>();
        if (topicIds.isPresent()) {
            found.addAll(named(manifests, base, selection, topicIds.get()));
        } else {
            List<Candidate> candidates = new ArrayList<>();
            for (String dir : store.listDirectories(base)) {
                parse(dir, base).filter(c -> selection.selects(c.tp.topic(), c.tp.partition())).ifPresent(candidates::add);
            }
            found.addAll(read(manifests, candidates));
        }
        Map<TopicPartition, PartitionSource> chosen = new LinkedHashMap<>();
        for (PartitionSource s : found) {
            chosen.merge(s.tp, s, (a, b) -> {
                PartitionSource newer = lastUpload(a) >= lastUpload(b) ? a : b;
                LOG.warn("{} has manifests under two topic ids ({} and {}): reading {}, whose last upload is newer",
                        s.tp, a.root, b.root, newer.root);
                return newer;
            });
        }
        if (selection instanceof TopicSelection.Assign assign) {
            Set<TopicPartition> missing = new HashSet<>();
            assign.partitions().forEach((t, ps) -> ps.forEach(p -> missing.add(new TopicPartition(t, p))));
            missing.removeAll(chosen.keySet());
            if (!missing.isEmpty()) {
                throw new IllegalArgumentException("Assigned partitions have nothing in bucket " + settings.bucket()
                        + (base.isEmpty() ? "" : " under prefix " + base) + " (no manifest): "
                        + missing.stream().map(TopicPartition::toString).sorted().collect(Collectors.joining(", ")));
            }
        }
        if (chosen.isEmpty()) {
            LOG.warn("No tiered partition in bucket {}{} matches {}", settings.bucket(),
                    base.isEmpty() ? "" : " under prefix " + base, selection);
        }
        return chosen.values().stream()
                .sorted(Comparator.comparing((PartitionSource s) -> s.tp.topic()).thenComparingInt(s -> s.tp.partition()))
                .toList();
    }

    /** Latest manifests of the candidates that have one. */
    private static List<PartitionSource> read(ManifestStore manifests, List<Candidate> candidates) {
        // A few GETs per partition: in parallel, the planner of a topic of hundreds of partitions waits for one round.
        return candidates.parallelStream()
                .map(c -> manifests.readLatest(c.root).map(m -> new PartitionSource(c.tp, c.root, m)))
                .flatMap(Optional::stream)
                .toList();
    }

    /** The selected partitions' roots named from their topic ids: manifests only, no listing. */
    private static List<PartitionSource> named(ManifestStore manifests, String base, TopicSelection selection,
                                               TopicIds ids) {
        Map<String, List<Integer>> wanted = new java.util.TreeMap<>();
        if (selection instanceof TopicSelection.Assign assign) {
            wanted.putAll(assign.partitions());
        } else if (selection instanceof TopicSelection.Subscribe subscribe) {
            subscribe.topics().forEach(t -> wanted.put(t, null));
        } else {
            throw new IllegalArgumentException("'topicIds' works with 'subscribe' or 'assign'; 'subscribePattern' needs "
                    + "the topic names, which only a listing of the bucket gives");
        }
        List<PartitionSource> out = new ArrayList<>();
        for (Map.Entry<String, List<Integer>> e : wanted.entrySet()) {
            String topic = e.getKey();
            TopicIds.Known known = ids.of(topic).orElseThrow(() -> new IllegalArgumentException("Topic " + topic
                    + " has no id in 'topicIds' (" + ids + ")"));
            List<Integer> partitions = e.getValue();
            if (partitions == null && known.partitionCount().isPresent()) {
                partitions = java.util.stream.IntStream.range(0, known.partitionCount().getAsInt()).boxed().toList();
            }
            if (partitions != null) {
                List<Candidate> candidates = partitions.stream().map(p -> new Candidate(new TopicPartition(topic, p),
                        root(base, topic, p, known.id()))).toList();
                out.addAll(read(manifests, candidates));
                continue;
            }
            // No count: partitions are numbered from 0, so probe until one has nothing uploaded.
            for (int p = 0; ; p++) {
                String root = root(base, topic, p, known.id());
                Optional<PartitionManifest> m = manifests.readLatest(root);
                if (m.isEmpty()) {
                    LOG.debug("{}-{} has no manifest under {}: {} partitions of {} found", topic, p, root, p, topic);
                    break;
                }
                out.add(new PartitionSource(new TopicPartition(topic, p), root, m.get()));
            }
        }
        return out;
    }

    private static String root(String base, String topic, int partition, String topicId) {
        return base + topic + "-" + partition + "-" + topicId + "/";
    }

    /** Re-reads the manifest of one known partition (streaming: a newer version may list more segments). */
    static PartitionSource refresh(StoreSettings settings, PartitionSource known) {
        return new ManifestStore(settings.store()).readLatest(known.root)
                .map(m -> new PartitionSource(known.tp, known.root, m)).orElse(known);
    }

    private static long lastUpload(PartitionSource s) {
        List<RemoteSegment> segments = s.manifest.segments();
        return segments.isEmpty() ? -1 : segments.get(segments.size() - 1).uploadedAtMs();
    }

    private record Candidate(TopicPartition tp, String root) {
    }

    /** {@code <base><topic>-<partition>-<topicId>/}, or empty for other directories (e.g. cluster metadata). */
    static Optional<Candidate> parse(String dir, String base) {
        if (!dir.startsWith(base) || !dir.endsWith("/")) {
            return Optional.empty();
        }
        String name = dir.substring(base.length(), dir.length() - 1);
        if (name.length() < TOPIC_ID_CHARS + 4 || name.charAt(name.length() - TOPIC_ID_CHARS - 1) != '-') {
            return Optional.empty();
        }
        String topicId = name.substring(name.length() - TOPIC_ID_CHARS);
        String rest = name.substring(0, name.length() - TOPIC_ID_CHARS - 1);
        int dash = rest.lastIndexOf('-');
        if (dash <= 0) {
            return Optional.empty();
        }
        try {
            Uuid.fromString(topicId);
            int partition = Integer.parseInt(rest.substring(dash + 1));
            if (partition < 0) {
                return Optional.empty();
            }
            return Optional.of(new Candidate(new TopicPartition(rest.substring(0, dash), partition), dir));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static String stripSlashes(String p) {
        String s = p.trim();
        while (s.startsWith("/")) {
            s = s.substring(1);
        }
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        return s;
    }
}
