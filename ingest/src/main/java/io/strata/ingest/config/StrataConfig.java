package io.strata.ingest.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/** The node's own settings ({@code strata.*}; each also settable as an environment variable, e.g. STRATA_KAFKA_PORT). */
@ConfigMapping(prefix = "strata")
public interface StrataConfig {

    /** This node's broker id. */
    @WithDefault("0")
    int nodeId();

    /** Where logs and node metadata live. */
    @WithDefault("./data")
    Path dataDir();

    Kafka kafka();

    Log log();

    Group group();

    Cluster cluster();

    /** Membership of the embedded Hazelcast cluster that holds topics, leadership and group offsets. */
    interface Cluster {
        /** Nodes only join a cluster of the same name. */
        @WithDefault("strata")
        String name();

        /** Address the cluster member binds to and announces. */
        @WithDefault("127.0.0.1")
        String host();

        /** Cluster port; 0 picks a free one (a single-node cluster only). */
        @WithDefault("5701")
        int port();

        /** Every member as host:port, this node included; defaults to this node alone. */
        Optional<java.util.List<String>> members();

        /**
         * Where the cluster's durable metadata lives. Every member must see the same directory
         * (shared storage); defaults to {@code <data-dir>/cluster-metadata}, right for a single node.
         */
        Optional<Path> metadataDir();

        /** This node's rack, reported to clients. */
        Optional<String> rack();

        @WithDefault("1s")
        Duration heartbeatInterval();

        /** A member silent for this long is removed (a crashed process is noticed at once). */
        @WithDefault("5s")
        Duration maxNoHeartbeat();
    }

    interface Kafka {
        /** Address the Kafka listener binds to. */
        @WithDefault("0.0.0.0")
        String host();

        @WithDefault("9092")
        int port();

        /** Host that clients are told to connect to (Metadata, DescribeCluster). */
        @WithDefault("127.0.0.1")
        String advertisedHost();

        /** Port that clients are told to connect to; defaults to {@link #port()}. */
        OptionalInt advertisedPort();

        /** Largest request frame accepted; a larger length prefix closes the connection. */
        @WithDefault("104857600")
        int maxRequestBytes();

        /** Create a topic when a client asks Metadata for it and allows creation. */
        @WithDefault("true")
        boolean autoCreateTopics();

        /** Partitions of a topic created without a count. */
        @WithDefault("1")
        int defaultPartitions();

        /** Network threads; defaults to the number of cores. */
        OptionalInt ioThreads();

        /** Threads for requests that may block (cluster metadata, group coordination); defaults to twice the cores, at least 4. */
        OptionalInt requestHandlerThreads();

        /** Requests read ahead from one connection before the node stops reading from it. */
        @WithDefault("64")
        int maxQueuedRequestsPerConnection();

        /** How long shutdown waits for in-flight requests. */
        @WithDefault("10s")
        Duration shutdownGracePeriod();
    }

    /** Node-wide defaults for topic configs; a topic's own settings override them. */
    interface Log {
        /** flush.messages: 1 fsyncs every batch before it is acknowledged. */
        OptionalLong flushMessages();

        /** flush.ms */
        OptionalLong flushMs();

        /** segment.bytes */
        OptionalInt segmentBytes();

        /** segment.ms */
        OptionalLong segmentMs();

        /** retention.ms */
        OptionalLong retentionMs();

        /** retention.bytes */
        OptionalLong retentionBytes();

        /** message.timestamp.type */
        Optional<String> messageTimestampType();
    }

    /** Consumer groups; names follow the Kafka broker settings (group.*). */
    interface Group {
        /** group.initial.rebalance.delay.ms: the first rebalance of an empty group waits this long for more members. */
        @WithDefault("3s")
        Duration initialRebalanceDelay();

        /** group.min.session.timeout.ms */
        @WithDefault("6s")
        Duration minSessionTimeout();

        /** group.max.session.timeout.ms */
        @WithDefault("30m")
        Duration maxSessionTimeout();

        /** group.max.size */
        @WithDefault("2147483647")
        int maxSize();

        /** group.consumer.session.timeout.ms (group.protocol=consumer) */
        @WithDefault("45s")
        Duration consumerSessionTimeout();

        /** group.consumer.heartbeat.interval.ms (group.protocol=consumer) */
        @WithDefault("5s")
        Duration consumerHeartbeatInterval();

        /** group.consumer.assignors: server-side assignors (uniform, range); the first is the default. */
        @WithDefault("uniform,range")
        List<String> consumerAssignors();
    }
}
