package io.strata.ingest.kafka.api;

import org.apache.kafka.common.message.ApiVersionsResponseData.FinalizedFeatureKey;
import org.apache.kafka.common.message.ApiVersionsResponseData.FinalizedFeatureKeyCollection;
import org.apache.kafka.common.message.ApiVersionsResponseData.SupportedFeatureKey;
import org.apache.kafka.common.message.ApiVersionsResponseData.SupportedFeatureKeyCollection;

import java.util.List;

/**
 * The feature flags (KIP-584) that ApiVersions advertises and {@code kafka-features describe} prints: the
 * features an Apache Kafka 4.4 broker lists, each at the levels this node implements.
 *
 * <p>The levels are fixed by the code, not chosen at run time: the protocol is that of kafka-clients 4.4.0, so
 * {@code metadata.version} is 4.4's production level and cannot be changed (UpdateFeatures is not served).
 * KIP-848 consumer groups are implemented ({@code group.version} 1); transactions v2, KRaft, eligible leader
 * replicas, share groups and streams groups are not (level 0 only). Since every node of a cluster runs the same
 * code, every node answers the same, with a constant epoch.
 *
 * <p>Immutable; the collections handed out are copies.
 */
public final class BrokerFeatures {

    /** A feature: the range this node supports and the level in force. */
    public record Feature(String name, short minVersion, short maxVersion, short finalizedLevel) {
    }

    /** {@code metadata.version} 4.4-IV2, the level a new Apache Kafka 4.4 cluster is formatted with. */
    public static final short METADATA_VERSION_4_4_IV2 = 33;

    /** The epoch of the finalized levels: they never change while a build runs. */
    public static final long FINALIZED_EPOCH = 0;

    public static final List<Feature> FEATURES = List.of(
            new Feature("metadata.version", METADATA_VERSION_4_4_IV2, METADATA_VERSION_4_4_IV2, METADATA_VERSION_4_4_IV2),
            new Feature("group.version", (short) 0, (short) 1, (short) 1),
            new Feature("eligible.leader.replicas.version", (short) 0, (short) 0, (short) 0),
            new Feature("kraft.version", (short) 0, (short) 0, (short) 0),
            new Feature("share.version", (short) 0, (short) 0, (short) 0),
            new Feature("streams.version", (short) 0, (short) 0, (short) 0),
            new Feature("transaction.version", (short) 0, (short) 0, (short) 0));

    private BrokerFeatures() {
    }

    public static SupportedFeatureKeyCollection supported() {
        SupportedFeatureKeyCollection keys = new SupportedFeatureKeyCollection();
        for (Feature f : FEATURES) {
            keys.add(new SupportedFeatureKey().setName(f.name()).setMinVersion(f.minVersion()).setMaxVersion(f.maxVersion()));
        }
        return keys;
    }

    /** Like Kafka, only features at a level above 0 are listed as finalized (the tool shows the others as 0). */
    public static FinalizedFeatureKeyCollection finalized() {
        FinalizedFeatureKeyCollection keys = new FinalizedFeatureKeyCollection();
        for (Feature f : FEATURES) {
            if (f.finalizedLevel() > 0) {
                keys.add(new FinalizedFeatureKey().setName(f.name())
                        .setMinVersionLevel(f.finalizedLevel()).setMaxVersionLevel(f.finalizedLevel()));
            }
        }
        return keys;
    }
}
