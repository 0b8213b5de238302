package io.strata.membership.hazelcast;

import java.util.List;

/**
 * The durable Hazelcast maps of the cluster metadata and the metadata-store namespace each is
 * written through to. All are {@code IMap<String, byte[]>}, backed up synchronously; writes to them
 * are refused on a minority side of the cluster ({@link io.strata.membership.cluster.WriteQuorum}).
 */
public final class MetadataMaps {

    /** Topic name to topic descriptor. */
    public static final String TOPICS = "strata.topics";
    /** {@code <topic>-<partition>} to partition state (leader, leader epoch, replicas). */
    public static final String PARTITIONS = "strata.partitions";
    /** {@code controller} to the controller record (node, controller epoch). */
    public static final String CONTROLLER = "strata.controller";
    /** Group id to the group's committed offsets. */
    public static final String GROUP_OFFSETS = "strata.group-offsets";
    /** {@code next-block} to the first producer id not yet reserved. */
    public static final String PRODUCER_IDS = "strata.producer-ids";

    /** The split-brain protection rule (majority by default) guarding writes to all of them. */
    public static final String SPLIT_BRAIN_PROTECTION = "strata-metadata-quorum";

    static final List<String> ALL = List.of(TOPICS, PARTITIONS, CONTROLLER, GROUP_OFFSETS, PRODUCER_IDS);

    private MetadataMaps() {
    }

    /** Store namespace of a map: its name without the {@code strata.} prefix. */
    public static String namespace(String mapName) {
        return mapName.substring("strata.".length());
    }
}
