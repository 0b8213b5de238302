package io.strata.membership.cluster;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a node publishes about itself to the cluster: its broker id and where clients reach it.
 *
 * <p>A node may have several Kafka listeners (Kafka's {@code advertised.listeners}); clients are told
 * the endpoints of the listener they connected on. {@code kafkaHost}/{@code kafkaPort} is the
 * inter-broker listener, which the nodes use between themselves.
 *
 * @param nodeId    the broker id, unique in the cluster, {@code >= 0}
 * @param kafkaHost advertised host of the inter-broker Kafka listener
 * @param kafkaPort advertised port of the inter-broker Kafka listener
 * @param httpHost  advertised host of the HTTP API
 * @param httpPort  advertised port of the HTTP API
 * @param rack      rack (availability zone), or null when not configured
 * @param listeners advertised endpoint of each Kafka listener by listener name (upper case), in
 *                  configuration order; empty for a node that publishes only {@code kafkaHost:kafkaPort}
 */
public record NodeInfo(int nodeId, String kafkaHost, int kafkaPort, String httpHost, int httpPort, String rack,
                       Map<String, Endpoint> listeners) {

    /** A host and port clients connect to. */
    public record Endpoint(String host, int port) {
        public Endpoint {
            Objects.requireNonNull(host, "host");
        }

        @Override
        public String toString() {
            return host + ":" + port;
        }
    }

    public NodeInfo {
        if (nodeId < 0) {
            throw new IllegalArgumentException("node id must be >= 0, got " + nodeId);
        }
        Objects.requireNonNull(kafkaHost, "kafkaHost");
        Objects.requireNonNull(httpHost, "httpHost");
        listeners = listeners == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(listeners));
    }

    /** A node with one Kafka listener. */
    public NodeInfo(int nodeId, String kafkaHost, int kafkaPort, String httpHost, int httpPort, String rack) {
        this(nodeId, kafkaHost, kafkaPort, httpHost, httpPort, rack, Map.of());
    }

    /**
     * The advertised endpoint of a listener, empty when the node has no listener of that name. A node
     * that publishes no listener map answers every name with its one endpoint.
     */
    public Optional<Endpoint> endpoint(String listenerName) {
        if (listeners.isEmpty()) {
            return Optional.of(new Endpoint(kafkaHost, kafkaPort));
        }
        return Optional.ofNullable(listeners.get(listenerName));
    }

    /** The listener map as published in member attributes: {@code NAME://host:port,...}. */
    public static String formatListeners(Map<String, Endpoint> listeners) {
        StringBuilder sb = new StringBuilder();
        listeners.forEach((name, e) -> {
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(name).append("://").append(e.host()).append(':').append(e.port());
        });
        return sb.toString();
    }

    /** Reads {@link #formatListeners}; null or blank gives an empty map. */
    public static Map<String, Endpoint> parseListeners(String s) {
        Map<String, Endpoint> out = new LinkedHashMap<>();
        if (s == null || s.isBlank()) {
            return out;
        }
        for (String part : s.split(",")) {
            int sep = part.indexOf("://");
            int colon = part.lastIndexOf(':');
            if (sep <= 0 || colon <= sep + 2) {
                throw new IllegalArgumentException("Bad listener endpoint '" + part + "'");
            }
            String host = part.substring(sep + 3, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            out.put(part.substring(0, sep), new Endpoint(host, Integer.parseInt(part.substring(colon + 1))));
        }
        return out;
    }
}
