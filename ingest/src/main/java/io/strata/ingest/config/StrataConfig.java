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

    /**
     * This node's broker id; -1 generates one (as Kafka's {@code broker.id=-1}): claimed in the cluster's durable
     * metadata store for this machine (its EC2 instance id with {@code strata.instance-metadata.enabled}, else its
     * advertised address) and kept in {@code meta.properties}, so the same machine gets the same id back.
     */
    @WithDefault("0")
    int nodeId();

    InstanceMetadata instanceMetadata();

    /**
     * The EC2 instance metadata service (IMDSv2). When enabled, the node takes its advertised Kafka host and its
     * cluster address from {@code local-ipv4}, its rack from {@code placement/availability-zone} (unless
     * {@code strata.cluster.rack} is set) and the name it claims a generated node id under from {@code instance-id}.
     */
    interface InstanceMetadata {
        @WithDefault("false")
        boolean enabled();

        /** Where the service answers (the AWS SDKs read the same from AWS_EC2_METADATA_SERVICE_ENDPOINT). */
        @WithDefault("http://169.254.169.254")
        java.net.URI endpoint();

        /** Time-out of each call; the service answers locally in milliseconds. */
        @WithDefault("2s")
        Duration timeout();
    }

    /** Where logs and node metadata live. */
    @WithDefault("./data")
    Path dataDir();

    Start start();

    /** How the node starts. */
    interface Start {
        /**
         * Whether a lone node starts on its own thread (a cluster member always does), so that Quarkus finishes
         * its own start (messaging, the HTTP server) meanwhile; the node is ready when its Kafka listener accepts.
         * Off by default: it was not measurably faster, and a lone node then serves once Quarkus reports started,
         * with its listening line the last of the start-up.
         */
        @WithDefault("false")
        boolean background();
    }

    Kafka kafka();

    Log log();

    Group group();

    Cluster cluster();

    S3 s3();

    Tiering tiering();

    Replication replication();

    Balancer balancer();

    Shutdown shutdown();

    /** Authorization of Kafka requests by ACLs (Kafka's authorizer.class.name, super.users and friends). */
    Security security();

    /** Client quotas: how rates are measured (Kafka's quota.window.* broker settings). */
    Quota quota();

    /**
     * The sampled window client quota rates are measured over, as Kafka's: {@code window.num} samples of
     * {@code window.size.seconds}; a rate spans at least {@code (num - 1) x size} seconds, so a client may burst that
     * many seconds' worth of its quota before it is throttled. The quotas themselves are cluster metadata, set with
     * kafka-configs (AlterClientQuotas).
     */
    interface Quota {
        /** quota.window.num: samples kept per rate (at least 2). */
        @io.smallrye.config.WithName("window.num")
        @WithDefault("11")
        int windowNum();

        /** quota.window.size.seconds: the length of one sample. */
        @io.smallrye.config.WithName("window.size.seconds")
        @WithDefault("1")
        int windowSizeSeconds();
    }

    /** Kafka's authorizer settings. */
    interface Security {
        Authorizer authorizer();

        /**
         * super.users: principals that may do anything, as {@code User:admin;User:ops}. Connections on the
         * inter-broker listener act as the broker principal and are always allowed.
         */
        Optional<String> superUsers();

        /** allow.everyone.if.no.acl.found: allow an operation on a resource no ACL applies to. */
        @WithDefault("false")
        boolean allowEveryoneIfNoAclFound();

        interface Authorizer {
            /**
             * Enforce ACLs on every Kafka request (Kafka's StandardAuthorizer rules). Off: every request is
             * allowed and the ACL APIs answer SECURITY_DISABLED.
             */
            @WithDefault("false")
            boolean enabled();
        }
    }

    /**
     * Elastic scaling: the controller moves replicas and leaders onto nodes that join, and off nodes told to leave,
     * through partition reassignments.
     */
    interface Balancer {
        /**
         * Move replicas and leaders onto a node that joins without replicas until replica and leader counts per
         * node differ by at most one. On by default: capacity that is added is used without an operator step, and
         * a move copies only the untiered tail. Drains run either way.
         */
        @WithDefault("true")
        boolean enabled();

        /** Reassignments in progress at most (the balancer's and operators'). */
        @WithDefault("2")
        int maxConcurrentMoves();

        /** Time between the balancer's passes while it has work. */
        @WithDefault("2s")
        Duration interval();
    }

    /** What a stop (SIGTERM) does before the node leaves. */
    interface Shutdown {
        /**
         * true: a SIGTERM first drains the node (moves its replicas to the other nodes, keeping every replication
         * factor) and then stops; when the other nodes are too few for some factor it logs which partitions and
         * stops after the controlled shutdown only. false (default): controlled shutdown only, as Kafka does, right
         * for restarts and upgrades, where the node comes back.
         */
        @WithDefault("false")
        boolean drain();

        /** How long a draining SIGTERM waits for the moves before it stops anyway. */
        @WithDefault("5m")
        Duration drainTimeout();
    }

    /** Follower replicas and the in-sync replica set; names follow Kafka's replica.* broker settings. */
    interface Replication {
        /** replica.lag.time.max.ms: an in-sync follower not caught up for this long leaves the ISR. */
        @WithDefault("30s")
        Duration replicaLagTimeMax();

        /** replica.fetch.wait.max.ms: how long a follower's fetch waits at the leader for new batches. */
        @WithDefault("500ms")
        Duration fetchMaxWait();

        /** replica.fetch.max.bytes: bytes per partition in one follower fetch. */
        @WithDefault("1048576")
        int fetchMaxBytes();

        /** replica.fetch.response.max.bytes: bytes in one follower fetch response. */
        @WithDefault("10485760")
        int fetchResponseMaxBytes();

        /** replica.fetch.backoff.ms: pause after a failed follower fetch. */
        @WithDefault("1s")
        Duration fetchBackoff();

        /** replica.socket.timeout.ms: connect and request timeout towards a leader. */
        @WithDefault("30s")
        Duration socketTimeout();

        /**
         * How often a node compares the partition states it applied with the cluster's and applies the
         * ones it missed (a node that merges back after a network split receives the changes made
         * without it by migration, which fires no change events). Also done at every membership change.
         */
        @WithDefault("5s")
        Duration reconcileInterval();

        /**
         * Consumers that name their rack (client.rack) read from an in-sync replica in that rack
         * (KIP-392; Kafka's replica.selector.class=RackAwareReplicaSelector). Off by default, as in Kafka.
         */
        @WithDefault("false")
        boolean rackAwareReads();

        /**
         * auto.leader.rebalance.enable: the controller moves leadership back to each partition's
         * preferred replica once it is live and in sync.
         */
        @WithDefault("true")
        boolean autoLeaderRebalance();

        /** leader.imbalance.check.interval.seconds: how often the controller looks for such partitions. */
        @WithDefault("300s")
        Duration leaderImbalanceCheckInterval();
    }

    /**
     * The object store that sealed segments are tiered to. Without an endpoint the node runs an
     * embedded S3Proxy (filesystem back end) under {@link #embeddedDir()}.
     */
    interface S3 {
        /** S3 endpoint, e.g. http://minio:9000; unset = embedded S3Proxy. */
        Optional<java.net.URI> endpoint();

        @WithDefault("us-east-1")
        String region();

        @WithDefault("strata")
        String bucket();

        /** Key prefix of this cluster's objects inside the bucket. */
        Optional<String> prefix();

        /** Path-style addressing (S3Proxy, MinIO); false for virtual-host style. */
        @WithDefault("true")
        boolean pathStyle();

        /** Static credentials; unset = the default AWS credential provider chain. */
        Optional<String> accessKey();

        Optional<String> secretKey();

        /** Directory of the embedded S3Proxy; defaults to {@code <data-dir>/objects}. */
        Optional<Path> embeddedDir();

        /** Port of the embedded S3Proxy; 0 picks a free one. */
        @WithDefault("0")
        int embeddedPort();

        /** Attempts per object-store request (the SDK retries with exponential back-off). */
        @WithDefault("8")
        int maxAttempts();

        /** Cap of the back-off between attempts. */
        @WithDefault("5s")
        Duration maxBackoff();

        /** Limit of one request including its retries. */
        @WithDefault("60s")
        Duration callTimeout();

        /** After repeated failures, calls fail at once for this long (circuit breaker) before the store is probed again. */
        @WithDefault("5s")
        Duration breakerOpenFor();

        /** Segments larger than this are uploaded in parts of this size (at least 5 MiB). */
        @WithDefault("8388608")
        long multipartPartBytes();
    }

    /** Copying sealed segments to the object store and reading them back. */
    interface Tiering {
        /** Tier sealed segments at all (topics still choose with remote.storage.enable). */
        @WithDefault("true")
        boolean enabled();

        /**
         * Disk budget of sealed segments not yet in the object store, over all partitions; beyond it
         * produce requests to tiered topics fail with KAFKA_STORAGE_ERROR (clients retry) until tiering catches up.
         */
        @WithDefault("10737418240")
        long maxBacklogBytes();

        /** How often partitions are checked for segments to upload (a roll also triggers an upload). */
        @WithDefault("1s")
        Duration scanInterval();

        /** First retry delay after a failed upload; doubles per failure up to {@link #maxRetryBackoff()}. */
        @WithDefault("1s")
        Duration retryBackoff();

        @WithDefault("30s")
        Duration maxRetryBackoff();

        /** How often retention.ms / retention.bytes are applied to the object store. */
        @WithDefault("30s")
        Duration retentionCheckInterval();

        /** Size of one ranged GET (and read-ahead) of a remote segment. */
        @WithDefault("1048576")
        int readChunkBytes();

        /** Bound of the cache of remote segment chunks. */
        @WithDefault("67108864")
        long cacheBytes();

        /** Threads serving remote reads. */
        @WithDefault("2")
        int readerThreads();

        /** Chunks fetched ahead of a consumer reading a remote segment front to back. */
        @WithDefault("2")
        int readAheadChunks();
    }

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
         * How members find each other: {@code static} ({@link #members()}) or {@code aws} (running EC2 instances
         * with the tag {@code strata.cluster.aws.tag-key}, through Hazelcast's AWS discovery; needs {@link #size()}).
         */
        @WithDefault("static")
        String discovery();

        /**
         * The number of members the cluster is meant to have; metadata writes need a majority of it. Defaults to
         * the length of {@link #members()}; required with {@code discovery=aws}, where there is no list.
         */
        OptionalInt size();

        Aws aws();

        /** Hazelcast's AWS discovery ({@code network.join.aws}). */
        interface Aws {
            /** The tag that marks the cluster's instances. */
            @WithDefault("strata-cluster")
            String tagKey();

            /** The tag's value naming this cluster; unset: any value. */
            Optional<String> tagValue();

            /** EC2 region; unset: read from the instance metadata. */
            Optional<String> region();

            /**
             * EC2 API endpoint: a host name (HTTPS) or a URL starting with http (used as it is, e.g. a stub);
             * unset: the region's public endpoint. Hazelcast's {@code host-header}.
             */
            Optional<String> endpoint();

            @WithDefault("5s")
            Duration connectionTimeout();
        }

        /**
         * Where the cluster's durable metadata lives. Every member must see the same directory
         * (shared storage); defaults to {@code <data-dir>/cluster-metadata}, right for a single node.
         */
        Optional<Path> metadataDir();

        /**
         * Where durable cluster metadata lives: {@code directory} ({@link #metadataDir()}) or
         * {@code object-store} (the bucket of {@code strata.s3.*}, under {@code <prefix>/cluster-metadata/}),
         * which every member reaches without a shared file system. Unset: {@code object-store} when an external
         * object store is configured ({@code strata.s3.endpoint}, tiering on) and no {@link #metadataDir()} is,
         * else {@code directory}.
         */
        Optional<String> metadataStore();

        /** This node's rack, reported to clients. */
        Optional<String> rack();

        /**
         * Members needed for metadata writes; default a majority of {@link #size()}, else of {@link #members()}. A
         * cluster that scales in below that majority needs a smaller value (1 switches the split-brain protection
         * off).
         */
        OptionalInt splitBrainQuorum();

        @WithDefault("1s")
        Duration heartbeatInterval();

        /** A member silent for this long is removed (a crashed process is noticed at once). */
        @WithDefault("5s")
        Duration maxNoHeartbeat();
    }

    interface Kafka {
        /**
         * Address the Kafka listener binds to when {@link #listeners()} is not set. Loopback by default, so
         * that an unconfigured node is not reachable from other machines.
         */
        @WithDefault("127.0.0.1")
        String host();

        /**
         * listeners: the Kafka listeners as {@code NAME://host:port,...} (e.g.
         * {@code PLAINTEXT://127.0.0.1:9092,SASL_SSL://0.0.0.0:9093}); an empty host binds every interface,
         * port 0 a free port. Unset: one PLAINTEXT listener on {@link #host()}:{@link #port()}.
         */
        Optional<String> listeners();

        /**
         * advertised.listeners: what clients are told for each listener, {@code NAME://host:port,...}; a
         * listener not named here advertises its bind address (or {@link #advertisedHost()} when it binds
         * every interface) and its bound port.
         */
        Optional<String> advertisedListeners();

        /**
         * listener.security.protocol.map: {@code NAME:PROTOCOL,...} for listener names that are not
         * themselves a protocol (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL).
         */
        Optional<String> listenerSecurityProtocolMap();

        /**
         * inter.broker.listener.name: the listener other nodes (replica fetchers) and the node's own
         * clients (REST Proxy consumers) use. It must be a PLAINTEXT listener. Default: the listener
         * named PLAINTEXT, else the first PLAINTEXT listener.
         */
        Optional<String> interBrokerListenerName();

        /** TLS of the SSL and SASL_SSL listeners (Kafka's ssl.* broker settings). */
        Ssl ssl();

        /** SASL of the SASL_PLAINTEXT and SASL_SSL listeners (Kafka's sasl.* broker settings). */
        Sasl sasl();

        /**
         * connections.max.reauth.ms: a SASL session lasts at most this long; the client must
         * re-authenticate before (KIP-368), or its next request closes the connection. 0 = sessions do not expire.
         */
        @WithDefault("0")
        Duration connectionsMaxReauth();

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

        /** Partitions of a topic created without a count (num.partitions). */
        @WithDefault("1")
        int defaultPartitions();

        /** Replicas of each partition of a topic created without a factor, auto-created ones included (default.replication.factor). */
        @WithDefault("1")
        int defaultReplicationFactor();

        /**
         * Most partitions one CreateTopics or CreatePartitions request may add, over all its topics; a topic
         * past the limit gets INVALID_PARTITIONS. Creating a partition takes milliseconds of cluster writes
         * and file creation, so an unbounded count would hold a request thread for seconds or more.
         */
        @WithDefault("1000")
        int maxPartitionsPerRequest();

        /**
         * max.incremental.fetch.session.cache.slots: fetch sessions (KIP-227) this node keeps; 0 turns them
         * off, so every fetch is a full one.
         */
        @WithDefault("1000")
        int fetchSessionCacheSlots();

        /**
         * min.incremental.fetch.session.eviction.ms: how long a fetch session must be idle before any new
         * session may take its slot (a busier one is only displaced by a stronger one).
         */
        @WithDefault("120s")
        Duration fetchSessionEviction();

        /** Network threads; defaults to the number of cores. */
        OptionalInt ioThreads();

        /** Threads for requests that may block (cluster metadata, group coordination); defaults to twice the cores, at least 4. */
        OptionalInt requestHandlerThreads();

        /**
         * socket.send.buffer.bytes: SO_SNDBUF of client connections; -1 leaves the size to the OS. Kafka's
         * default: with the OS's auto-tuned buffers (up to megabytes) fetch responses reach consumers more slowly.
         */
        @WithDefault("102400")
        int socketSendBufferBytes();

        /** socket.receive.buffer.bytes: SO_RCVBUF of client connections; -1 leaves the size to the OS. */
        @WithDefault("-1")
        int socketReceiveBufferBytes();

        /** Requests read ahead from one connection before the node stops reading from it. */
        @WithDefault("64")
        int maxQueuedRequestsPerConnection();

        /** How long shutdown waits for in-flight requests. */
        @WithDefault("10s")
        Duration shutdownGracePeriod();
    }

    /** Kafka's ssl.* broker settings, for the SSL and SASL_SSL listeners. */
    interface Ssl {
        /** ssl.keystore.type: PKCS12, JKS or PEM. */
        @WithDefault("PKCS12")
        String keystoreType();

        /** ssl.keystore.location: the key store file (for PEM: a file with the private key and the certificate chain). */
        Optional<String> keystoreLocation();

        /** ssl.keystore.password */
        Optional<String> keystorePassword();

        /** ssl.key.password: password of the private key (of an encrypted PEM key). */
        Optional<String> keyPassword();

        /** ssl.keystore.certificate.chain: PEM certificate chain given inline (with keystore-type PEM). */
        Optional<String> keystoreCertificateChain();

        /** ssl.keystore.key: PEM private key given inline (with keystore-type PEM). */
        Optional<String> keystoreKey();

        /** ssl.truststore.type: PKCS12, JKS or PEM. */
        @WithDefault("PKCS12")
        String truststoreType();

        /** ssl.truststore.location: the CAs client certificates must chain to. */
        Optional<String> truststoreLocation();

        /** ssl.truststore.password */
        Optional<String> truststorePassword();

        /** ssl.truststore.certificates: PEM CA certificates given inline (with truststore-type PEM). */
        Optional<String> truststoreCertificates();

        /** ssl.client.auth: required, requested or none. */
        @WithDefault("none")
        String clientAuth();

        /** ssl.principal.mapping.rules: how a client certificate's subject becomes the principal's name. */
        @WithDefault("DEFAULT")
        String principalMappingRules();

        /** ssl.enabled.protocols */
        @WithDefault("TLSv1.2,TLSv1.3")
        String enabledProtocols();

        /** ssl.cipher.suites: empty = the JVM's defaults. */
        Optional<String> cipherSuites();
    }

    /** Kafka's sasl.* broker settings. */
    interface Sasl {
        /** sasl.enabled.mechanisms: of PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512. */
        @WithDefault("SCRAM-SHA-256,SCRAM-SHA-512")
        List<String> enabledMechanisms();

        /**
         * Users created at start when they have no credentials yet, as {@code name:password} (escape a comma
         * in a password as {@code \,}); each gets SCRAM-SHA-256 and SCRAM-SHA-512 credentials. Existing
         * credentials are left as they are, so a password changed later with kafka-configs stays changed.
         */
        Optional<List<String>> bootstrapUsers();

        /** Iterations of the credentials of bootstrap users (Kafka's default for kafka-configs is 4096). */
        @WithDefault("8192")
        int bootstrapIterations();
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

        /** min.insync.replicas: acks=all produce needs at least this many in-sync replicas. */
        OptionalInt minInsyncReplicas();

        /** unclean.leader.election.enable: elect a replica outside the ISR when none in it is alive (may lose records). */
        Optional<Boolean> uncleanLeaderElectionEnable();
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
