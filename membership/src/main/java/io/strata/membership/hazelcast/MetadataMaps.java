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
    /** {@code <topic>-<partition>} to partition state (leader, epochs, replicas, ISR). */
    public static final String PARTITIONS = "strata.partitions";
    /** {@code controller} to the controller record (node, controller epoch). */
    public static final String CONTROLLER = "strata.controller";
    /** Group id to the group's committed offsets. */
    public static final String GROUP_OFFSETS = "strata.group-offsets";
    /** {@code next-block} to the first producer id not yet reserved. */
    public static final String PRODUCER_IDS = "strata.producer-ids";
    /** User name to the user's SCRAM credentials. */
    public static final String SCRAM_CREDENTIALS = "strata.scram-credentials";
    /** {@code <resource type>:<pattern type>:<name>} to the ACLs of that resource pattern. */
    public static final String ACLS = "strata.acls";
    /** {@code jti:<id>} or {@code sub:<subject>} to the time the HTTP bearer token(s) were revoked. */
    public static final String REVOKED_TOKENS = "strata.revoked-tokens";
    /** {@code user=<name>/client-id=<name>} (either part alone too) to that entity's client quotas. */
    public static final String CLIENT_QUOTAS = "strata.client-quotas";

    /** The split-brain protection rule (majority by default) guarding writes to all of them. */
    public static final String SPLIT_BRAIN_PROTECTION = "strata-metadata-quorum";

    static final List<String> ALL = List.of(TOPICS, PARTITIONS, CONTROLLER, GROUP_OFFSETS, PRODUCER_IDS,
            SCRAM_CREDENTIALS, ACLS, REVOKED_TOKENS, CLIENT_QUOTAS);

    /**
     * The split-brain merge policy of each map, applied when Hazelcast heals a network split (the
     * smaller side's entries merge into the larger side's):
     * <ul>
     * <li>partitions: the higher (leader epoch, partition epoch) wins ({@link PartitionStateMergePolicy});</li>
     * <li>controller: the higher controller epoch wins ({@link ControllerStateMergePolicy});</li>
     * <li>producer ids: the higher counter wins ({@link ProducerIdBlockMergePolicy}), so no id is
     *     issued twice;</li>
     * <li>topics, group offsets, SCRAM credentials, ACLs, token revocations and client quotas: Hazelcast's put-if-absent (the existing value stays; an entry only
     *     one side has is added). Their values carry no version to order by; the quorum keeps a
     *     minority from writing, so the larger side holds the acknowledged values. A topic deleted
     *     on one side and kept on the other comes back, as it would after an unclean controller
     *     failover in Kafka; its stale partition states are replaced by the controller.</li>
     * </ul>
     */
    static String mergePolicy(String mapName) {
        return switch (mapName) {
            case PARTITIONS -> PartitionStateMergePolicy.class.getName();
            case CONTROLLER -> ControllerStateMergePolicy.class.getName();
            case PRODUCER_IDS -> ProducerIdBlockMergePolicy.class.getName();
            default -> com.hazelcast.spi.merge.PutIfAbsentMergePolicy.class.getName();
        };
    }

    private MetadataMaps() {
    }

    /** Store namespace of a map: its name without the {@code strata.} prefix. */
    public static String namespace(String mapName) {
        return mapName.substring("strata.".length());
    }
}
