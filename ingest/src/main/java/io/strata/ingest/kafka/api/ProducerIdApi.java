package io.strata.ingest.kafka.api;

import io.strata.membership.cluster.ProducerIdAllocator;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.InitProducerIdRequest;
import org.apache.kafka.common.requests.InitProducerIdResponse;

/**
 * InitProducerId for idempotent producers: every call gets a fresh producer id at epoch 0, which is
 * what Kafka does for producers without a transactional id (a producer that resets its sequence
 * state asks again and starts over under a new id). Transactional ids are refused: transactions
 * are not implemented.
 */
public final class ProducerIdApi {

    private final ProducerIdAllocator allocator;

    public ProducerIdApi(ProducerIdAllocator allocator) {
        this.allocator = allocator;
    }

    public InitProducerIdResponse initProducerId(InitProducerIdRequest request) {
        InitProducerIdResponseData response = new InitProducerIdResponseData().setProducerId(-1).setProducerEpoch((short) -1);
        if (request.data().transactionalId() != null) {
            return new InitProducerIdResponse(response.setErrorCode(Errors.UNSUPPORTED_VERSION.code()));
        }
        return new InitProducerIdResponse(response.setProducerId(allocator.nextProducerId()).setProducerEpoch((short) 0));
    }
}
