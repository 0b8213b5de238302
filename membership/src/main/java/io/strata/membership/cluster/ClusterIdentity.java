package io.strata.membership.cluster;

/**
 * Who this node is and which cluster it belongs to.
 *
 * @param clusterId Kafka-style cluster id (22 characters of URL-safe base64 of a random UUID)
 * @param nodeId    this node's broker id
 */
public record ClusterIdentity(String clusterId, int nodeId) {
}
