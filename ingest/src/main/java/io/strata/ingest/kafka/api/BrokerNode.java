package io.strata.ingest.kafka.api;

import org.apache.kafka.common.Node;

/**
 * This node as clients must see it: its id, the address it advertises and its cluster.
 */
public record BrokerNode(int nodeId, String host, int port, String clusterId) {

    public Node toNode() {
        return new Node(nodeId, host, port);
    }
}
