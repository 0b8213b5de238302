package io.strata.ingest.kafka.network;

import io.strata.ingest.config.StrataConfig;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.security.auth.SecurityProtocol;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One named Kafka listener as configured (Kafka's {@code listeners}, {@code advertised.listeners} and
 * {@code listener.security.protocol.map}): where it binds, what it advertises and its security protocol.
 * Immutable.
 *
 * @param advertisedHost host clients are told; {@code advertisedPort} 0 means "the port bound"
 */
public record KafkaListener(ListenerName name, SecurityProtocol protocol, String bindHost, int bindPort,
                            String advertisedHost, int advertisedPort) {

    /** Whether connections must authenticate with SASL before anything but ApiVersions. */
    public boolean sasl() {
        return protocol == SecurityProtocol.SASL_PLAINTEXT || protocol == SecurityProtocol.SASL_SSL;
    }

    /** Whether connections are TLS. */
    public boolean tls() {
        return protocol == SecurityProtocol.SSL || protocol == SecurityProtocol.SASL_SSL;
    }

    /** The listeners of a node's configuration, in configuration order; the first one is never empty. */
    public static List<KafkaListener> fromConfig(StrataConfig.Kafka kafka) {
        return fromConfig(kafka, kafka.advertisedHost());
    }

    /**
     * As {@link #fromConfig(StrataConfig.Kafka)}, with the host a listener advertises when no advertised listener
     * names it: {@code strata.kafka.advertised-host}, or the address the instance metadata gave (cloud mode).
     */
    public static List<KafkaListener> fromConfig(StrataConfig.Kafka kafka, String defaultAdvertisedHost) {
        if (kafka.listeners().filter(s -> !s.isBlank()).isEmpty()) {
            ListenerName plain = ListenerName.forSecurityProtocol(SecurityProtocol.PLAINTEXT);
            Map<String, HostPort> advertised = parse(kafka.advertisedListeners().orElse(""), "advertised listeners");
            HostPort adv = advertised.get(plain.value());
            return List.of(new KafkaListener(plain, SecurityProtocol.PLAINTEXT, kafka.host(), kafka.port(),
                    adv != null ? adv.host : defaultAdvertisedHost,
                    adv != null ? adv.port : kafka.advertisedPort().orElse(0)));
        }
        return resolve(kafka.listeners().get(), kafka.advertisedListeners().orElse(""),
                kafka.listenerSecurityProtocolMap().orElse(""), defaultAdvertisedHost, kafka.advertisedPort().orElse(0));
    }

    /**
     * Resolves Kafka-style listener settings.
     *
     * @param defaultAdvertisedHost advertised by a listener bound to every interface and not in {@code advertised}
     * @param defaultAdvertisedPort advertised by the first listener when it is not in {@code advertised} (0: bound port)
     * @throws IllegalArgumentException for a malformed or inconsistent setting
     */
    static List<KafkaListener> resolve(String listeners, String advertised, String protocolMap,
                                       String defaultAdvertisedHost, int defaultAdvertisedPort) {
        Map<String, SecurityProtocol> protocols = new LinkedHashMap<>();
        for (String entry : protocolMap.split(",")) {
            if (entry.isBlank()) {
                continue;
            }
            int colon = entry.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("listener.security.protocol.map entry must be NAME:PROTOCOL: '" + entry + "'");
            }
            protocols.put(entry.substring(0, colon).trim().toUpperCase(Locale.ROOT),
                    SecurityProtocol.forName(entry.substring(colon + 1).trim().toUpperCase(Locale.ROOT)));
        }
        Map<String, HostPort> binds = parse(listeners, "listeners");
        Map<String, HostPort> adverts = parse(advertised, "advertised listeners");
        for (String name : adverts.keySet()) {
            if (!binds.containsKey(name)) {
                throw new IllegalArgumentException("Advertised listener " + name + " is not among the listeners " + binds.keySet());
            }
        }
        List<KafkaListener> out = new ArrayList<>();
        boolean first = true;
        for (Map.Entry<String, HostPort> e : binds.entrySet()) {
            String name = e.getKey();
            SecurityProtocol protocol = protocols.get(name);
            if (protocol == null) {
                try {
                    protocol = SecurityProtocol.forName(name);
                } catch (IllegalArgumentException unknown) {
                    throw new IllegalArgumentException("Listener " + name + " has no security protocol: name it after one "
                            + "(PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL) or map it in listener.security.protocol.map");
                }
            }
            if (protocol != SecurityProtocol.PLAINTEXT && protocol != SecurityProtocol.SSL
                    && protocol != SecurityProtocol.SASL_PLAINTEXT && protocol != SecurityProtocol.SASL_SSL) {
                throw new IllegalArgumentException("Listener " + name + ": unsupported security protocol " + protocol);
            }
            HostPort bind = e.getValue();
            String bindHost = bind.host.isEmpty() ? "0.0.0.0" : bind.host;
            HostPort adv = adverts.get(name);
            String advHost;
            int advPort;
            if (adv != null) {
                advHost = adv.host.isEmpty() ? defaultAdvertisedHost : adv.host;
                advPort = adv.port;
            } else {
                advHost = bind.host.isEmpty() || bindHost.equals("0.0.0.0") || bindHost.equals("::")
                        ? defaultAdvertisedHost : bind.host;
                advPort = first ? defaultAdvertisedPort : 0;
            }
            out.add(new KafkaListener(new ListenerName(name), protocol, bindHost, bind.port, advHost, advPort));
            first = false;
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("listeners names no listener");
        }
        return out;
    }

    /**
     * The inter-broker listener: the one named, else the one named PLAINTEXT, else the first PLAINTEXT one.
     *
     * @throws IllegalArgumentException when it does not exist or is not PLAINTEXT
     */
    public static KafkaListener interBroker(List<KafkaListener> listeners, String configuredName) {
        KafkaListener chosen;
        if (configuredName != null && !configuredName.isBlank()) {
            String name = configuredName.trim().toUpperCase(Locale.ROOT);
            chosen = listeners.stream().filter(l -> l.name().value().equals(name)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("inter.broker.listener.name " + name
                            + " is not among the listeners " + listeners.stream().map(l -> l.name().value()).toList()));
        } else {
            chosen = listeners.stream().filter(l -> l.name().value().equals("PLAINTEXT")).findFirst()
                    .or(() -> listeners.stream().filter(l -> l.protocol() == SecurityProtocol.PLAINTEXT).findFirst())
                    .orElseThrow(() -> new IllegalArgumentException("No PLAINTEXT listener for the traffic between nodes: "
                            + "add one (it may bind 127.0.0.1 on a single node) and name it in inter.broker.listener.name"));
        }
        if (chosen.protocol() != SecurityProtocol.PLAINTEXT) {
            throw new IllegalArgumentException("The inter-broker listener " + chosen.name().value()
                    + " must be PLAINTEXT (followers and the node's own REST Proxy consumers connect without credentials)");
        }
        return chosen;
    }

    private record HostPort(String host, int port) {
    }

    private static Map<String, HostPort> parse(String spec, String what) {
        Map<String, HostPort> out = new LinkedHashMap<>();
        for (String raw : spec.split(",")) {
            String part = raw.trim();
            if (part.isEmpty()) {
                continue;
            }
            int sep = part.indexOf("://");
            int colon = part.lastIndexOf(':');
            if (sep <= 0 || colon < sep + 3) {
                throw new IllegalArgumentException(what + " entry must be NAME://host:port: '" + part + "'");
            }
            String name = part.substring(0, sep).toUpperCase(Locale.ROOT);
            String host = part.substring(sep + 3, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            int port;
            try {
                port = Integer.parseInt(part.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(what + " entry has a bad port: '" + part + "'");
            }
            if (out.put(name, new HostPort(host, port)) != null) {
                throw new IllegalArgumentException(what + " name " + name + " twice");
            }
        }
        return out;
    }
}
