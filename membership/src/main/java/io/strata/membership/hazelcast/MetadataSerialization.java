package io.strata.membership.hazelcast;

import com.hazelcast.nio.serialization.DataSerializableFactory;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import io.strata.membership.cluster.ControllerEpochCas;
import io.strata.membership.cluster.ReserveProducerIdBlock;
import io.strata.membership.group.CommitOffsetsProcessor;
import io.strata.membership.group.DeleteOffsetsProcessor;
import io.strata.membership.group.ReadOffsetsProcessor;
import io.strata.membership.partition.AlterIsr;
import io.strata.membership.partition.PartitionStateCas;

/**
 * Serialization of the entry processors and split-brain merge policies this library sends to
 * partition owners: Hazelcast
 * {@link IdentifiedDataSerializable} with explicit fields, never Java serialization. Map values
 * themselves are byte arrays in the explicit formats of the value types.
 */
public final class MetadataSerialization implements DataSerializableFactory {

    public static final int FACTORY_ID = 1_530_001;

    public static final int PARTITION_STATE_CAS = 1;
    public static final int RESERVE_PRODUCER_ID_BLOCK = 2;
    public static final int CONTROLLER_EPOCH_CAS = 3;
    public static final int COMMIT_OFFSETS = 4;
    public static final int DELETE_OFFSETS = 5;
    public static final int ALTER_ISR = 6;
    public static final int PARTITION_STATE_MERGE = 7;
    public static final int CONTROLLER_STATE_MERGE = 8;
    public static final int PRODUCER_ID_BLOCK_MERGE = 9;
    public static final int READ_OFFSETS = 10;

    @Override
    public IdentifiedDataSerializable create(int typeId) {
        return switch (typeId) {
            case PARTITION_STATE_CAS -> new PartitionStateCas();
            case RESERVE_PRODUCER_ID_BLOCK -> new ReserveProducerIdBlock();
            case CONTROLLER_EPOCH_CAS -> new ControllerEpochCas();
            case COMMIT_OFFSETS -> new CommitOffsetsProcessor();
            case DELETE_OFFSETS -> new DeleteOffsetsProcessor();
            case ALTER_ISR -> new AlterIsr();
            case PARTITION_STATE_MERGE -> new PartitionStateMergePolicy();
            case CONTROLLER_STATE_MERGE -> new ControllerStateMergePolicy();
            case PRODUCER_ID_BLOCK_MERGE -> new ProducerIdBlockMergePolicy();
            case READ_OFFSETS -> new ReadOffsetsProcessor();
            default -> null;
        };
    }
}
