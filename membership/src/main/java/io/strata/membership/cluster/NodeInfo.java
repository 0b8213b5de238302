package io.strata.membership.cluster;

import java.util.Objects;

/**
 * What a node publishes about itself to the cluster: its broker id and where clients reach it.
 *
 * @param nodeId    the broker id, unique in the cluster, {@code >= 0}
 * @param kafkaHost advertised host of the Kafka listener
 * @param kafkaPort advertised port of the Kafka listener
 * @param httpHost  advertised host of the HTTP API
 * @param httpPort  advertised port of the HTTP API
 * @param rack      rack (availability zone), or null when not configured
 */
public record NodeInfo(int nodeId, String kafkaHost, int kafkaPort, String httpHost, int httpPort, String rack) {

    public NodeInfo {
        if (nodeId < 0) {
            throw new IllegalArgumentException("node id must be >= 0, got " + nodeId);
        }
        Objects.requireNonNull(kafkaHost, "kafkaHost");
        Objects.requireNonNull(httpHost, "httpHost");
    }
}
