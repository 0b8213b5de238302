package io.strata.ingest.kafka.api;

import io.strata.ingest.group.GroupCoordinator;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.FindCoordinatorResponseData.Coordinator;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.FindCoordinatorRequest.CoordinatorType;
import org.apache.kafka.common.requests.FindCoordinatorResponse;

import java.util.function.BiFunction;
import java.util.function.IntFunction;

/**
 * FindCoordinator, all versions (v4+ batched). A group's coordinator is the node its id hashes to
 * ({@link io.strata.ingest.group.CoordinatorLocator}). This cluster has no transaction coordinator:
 * transactional ids get COORDINATOR_NOT_AVAILABLE; other key types (share groups) INVALID_REQUEST.
 */
public final class FindCoordinatorApi {

    private final GroupCoordinator coordinator;
    private final BiFunction<Integer, String, BrokerNode> nodes;

    /**
     * @param nodes the address of a live node by id, or null when it is not known
     */
    public FindCoordinatorApi(GroupCoordinator coordinator, IntFunction<BrokerNode> nodes) {
        this(coordinator, (id, listener) -> nodes.apply(id));
    }

    /**
     * @param nodes the address of a live node by id on a listener, or null when it is not known or has no
     *              such listener
     */
    public FindCoordinatorApi(GroupCoordinator coordinator, BiFunction<Integer, String, BrokerNode> nodes) {
        this.coordinator = coordinator;
        this.nodes = nodes;
    }

    public FindCoordinatorResponse handle(FindCoordinatorRequest request) {
        return handle(request, MetadataApi.DEFAULT_LISTENER);
    }

    /** Answers with the coordinators' endpoints of the listener the request came in on. */
    public FindCoordinatorResponse handle(FindCoordinatorRequest request, String listener) {
        FindCoordinatorRequestData data = request.data();
        short version = request.version();
        FindCoordinatorResponseData response = new FindCoordinatorResponseData();
        if (version < FindCoordinatorRequest.MIN_BATCHED_VERSION) {
            Coordinator c = find(data.keyType(), data.key(), listener);
            response.setErrorCode(c.errorCode()).setNodeId(c.nodeId()).setHost(c.host()).setPort(c.port());
            if (version >= 1) {
                response.setErrorMessage(c.errorMessage());
            }
        } else {
            for (String key : data.coordinatorKeys()) {
                response.coordinators().add(find(data.keyType(), key, listener));
            }
        }
        return new FindCoordinatorResponse(response);
    }

    private Coordinator find(byte keyType, String key, String listener) {
        if (keyType == CoordinatorType.TRANSACTION.id()) {
            return error(key, Errors.COORDINATOR_NOT_AVAILABLE, "This cluster does not support transactions.");
        }
        if (keyType != CoordinatorType.GROUP.id()) {
            return error(key, Errors.INVALID_REQUEST, "Coordinator key type " + keyType + " is not supported.");
        }
        if (key == null || key.isEmpty()) {
            return error(key, Errors.INVALID_REQUEST, "The group id must not be empty.");
        }
        int nodeId = coordinator.locator().coordinatorOf(key);
        BrokerNode node = nodeId < 0 ? null : nodes.apply(nodeId, listener);
        if (node == null) {
            return error(key, Errors.COORDINATOR_NOT_AVAILABLE, "No live node coordinates group " + key + ".");
        }
        return new Coordinator().setKey(key).setNodeId(node.nodeId()).setHost(node.host()).setPort(node.port())
                .setErrorCode(Errors.NONE.code());
    }

    private static Coordinator error(String key, Errors error, String message) {
        return new Coordinator().setKey(key == null ? "" : key).setNodeId(-1).setHost("").setPort(-1)
                .setErrorCode(error.code()).setErrorMessage(message);
    }
}
