package io.strata.ingest.node;

import io.netty.util.concurrent.DefaultThreadFactory;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.strata.ingest.broker.FetchPurgatory;
import io.strata.ingest.broker.FetchSessionCache;
import io.strata.ingest.broker.LeaderAppender;
import io.strata.ingest.broker.ProducePurgatory;
import io.strata.ingest.broker.ReadReplicaSelector;
import io.strata.ingest.broker.ReplicaManager;
import io.strata.ingest.kafka.api.LogAdminApi;
import io.strata.ingest.kafka.api.ReplicaAdminApi;
import io.strata.ingest.replication.ReplicaFetcherManager;
import io.strata.ingest.replication.ReplicationSettings;
import io.strata.ingest.broker.TopicManager;
import io.strata.ingest.config.StrataConfig;
import io.strata.ingest.group.CoordinatorLocator;
import io.strata.ingest.group.GroupConfig;
import io.strata.ingest.group.GroupCoordinator;
import io.strata.ingest.group.WheelGroupTimer;
import io.strata.ingest.kafka.api.BrokerNode;
import io.strata.ingest.kafka.api.ConfigsApi;
import io.strata.ingest.kafka.api.FetchApi;
import io.strata.ingest.kafka.api.GroupApis;
import io.strata.ingest.kafka.api.GroupTopics;
import io.strata.ingest.kafka.api.KafkaApis;
import io.strata.ingest.kafka.api.MetadataApi;
import io.strata.ingest.kafka.api.OffsetsApi;
import io.strata.ingest.kafka.api.ProduceApi;
import io.strata.ingest.kafka.api.ProducerIdApi;
import io.strata.ingest.kafka.api.TopicAdminApi;
import io.strata.ingest.kafka.api.ScramCredentialsApi;
import io.strata.ingest.kafka.api.AclsApi;
import io.strata.ingest.kafka.api.ClientQuotasApi;
import io.strata.ingest.kafka.api.QuotaEnforcement;
import io.strata.ingest.quota.QuotaManager;
import io.strata.ingest.kafka.api.RequestAuthorization;
import io.strata.ingest.kafka.security.AclAuthorizer;
import io.strata.ingest.kafka.network.KafkaListener;
import io.strata.ingest.kafka.network.KafkaServer;
import io.strata.ingest.kafka.security.SaslMechanisms;
import io.strata.ingest.kafka.security.TlsContext;
import io.strata.membership.security.StoredScramCredential;
import io.strata.ingest.observability.BrokerMetrics;
import io.strata.ingest.tiering.TieredStorage;
import io.strata.ingest.tiering.TieringBackpressure;
import io.strata.ingest.tiering.TieringPipeline;
import io.strata.storage.remote.RemoteLogManager;
import io.strata.membership.cluster.NodeInfo;
import io.strata.membership.hazelcast.ClusterMember;
import io.strata.membership.hazelcast.MembershipConfig;
import io.strata.ingest.scaling.ElasticScaling;
import io.strata.membership.local.FileClusterIdentity;
import io.strata.membership.durable.FileMetadataStore;
import io.strata.membership.durable.MetadataStore;
import io.strata.ingest.metadata.ObjectStoreMetadataStore;
import io.strata.storage.log.LogConfig;
import io.strata.storage.log.LogManager;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.utils.Time;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Starts and stops the node in the right order.
 *
 * <p>Start: bind the Kafka listener (not accepting yet, so its port is known), make the object store
 * (not started yet), join the cluster (embedded Hazelcast; blocks until a majority of members is
 * present), tie the data directory to the cluster, open the logs of the partitions this node leads
 * (recovering after a crash), then accept clients. The node serves (and is ready) before the object
 * store is up: the store starts once the node serves and Quarkus has started, or earlier when a call
 * needs it (remote reads, manifests), and calls wait for it; once it is up the upload pipeline starts.
 * The listening line is logged once the node serves and Quarkus has started, whether the store is up yet or not. Only cluster metadata kept in the object store makes the start
 * wait for the store before joining. Stop (SIGTERM): stop accepting, answer waiting long-polls, let
 * in-flight requests finish, close connections, flush and close the logs (marking the shutdown clean), then leave the
 * cluster so leadership moves at once. The last start-up line names the addresses the node listens on.
 *
 * <p>Data directory layout: {@code meta.properties} (cluster and node id), {@code logs/} (one
 * directory per partition) and, unless {@code strata.cluster.metadata-dir} points elsewhere,
 * {@code cluster-metadata/} (the cluster's durable metadata).
 */
@Singleton
public class StrataNode {

    private static final Logger LOG = Logger.getLogger(StrataNode.class);
    private static final String DIRECTORY_METADATA = NodePlacement.DIRECTORY_METADATA;
    private static final String OBJECT_STORE_METADATA = NodePlacement.OBJECT_STORE_METADATA;

    @Inject
    StrataConfig config;

    @Inject
    BrokerMetrics metrics;

    @Inject
    TieringPipeline tieringPipeline;

    private TieredStorage tiered;
    private TieringBackpressure backpressure;
    /** Set once the upload pipeline runs; rolls before that are picked up by its first scan. */
    private volatile boolean tieringStarted;

    @ConfigProperty(name = "quarkus.http.port", defaultValue = "8080")
    int httpPort;

    private volatile KafkaServer server;
    /** This node's id: configured, or generated (strata.node-id=-1); set before the node joins the cluster. */
    private volatile int nodeId;
    /** TLS of the SSL and SASL_SSL listeners; null without any. */
    private volatile TlsContext tls;
    /** TLS of the SASL_SSL listeners (no client certificates); null without any. */
    private volatile TlsContext saslTls;
    /** The advertised endpoint of each listener, by name. */
    private volatile Map<String, NodeInfo.Endpoint> advertisedListeners = Map.of();
    /** Runs the start of a cluster member (null for a lone node, which starts on Quarkus's thread). */
    private volatile Thread starter;
    private volatile boolean stopping;
    /** What start-up is doing, for readiness and logs. */
    private volatile String phase = "starting";
    private volatile ClusterMember member;
    /** host:port of this node's cluster member (Hazelcast). */
    private volatile String memberAddress;
    /** host:port the Kafka listener is bound to; set once it accepts clients. */
    private volatile String servingBinds;
    /** Set once Quarkus has started; the listening addresses are logged when this and serving are both true. */
    private volatile boolean applicationStarted;
    private final AtomicBoolean announced = new AtomicBoolean();
    private volatile LogManager logs;
    private volatile FetchPurgatory purgatory;
    private volatile TopicManager topics;
    private volatile BrokerNode brokerNode;
    private volatile GroupCoordinator groups;
    /** Balancer, drains and their metrics (null before the node serves). */
    private volatile ElasticScaling scaling;
    /** Runs the fsyncs of flush-every-batch topics so request handlers need not wait on the disk. */
    private final ExecutorService flushExecutor = Executors.newFixedThreadPool(2, new DefaultThreadFactory("strata-log-flush", true));
    private volatile LeaderAppender appender;
    private volatile QuotaManager quotaManager;
    /** Follower fetches waiting for appends to the partitions this node leads. */
    private FetchPurgatory replicaFetches;
    /** acks=all produces waiting for the in-sync replicas. */
    private ProducePurgatory produces;

    /**
     * A member of a cluster waits for a majority of the members, which may take as long as its peers take
     * to come: it starts on its own thread, so that meanwhile HTTP answers (readiness says what it waits
     * for) and a SIGTERM stops it at once. A lone node (its quorum is itself) starts before the application
     * reports started, unless {@code strata.start.background=true}.
     */
    void start(@Observes @Priority(10) StartupEvent event) throws Exception {
        if (clusterSize() <= 1 && !config.start().background()) {
            startNode();
            return;
        }
        Thread starter = new Thread(() -> {
            try {
                startNode();
                startTiering();
            } catch (Throwable e) {
                if (!stopping) {
                    LOG.error("The node could not start", e);
                    Quarkus.asyncExit(1);
                }
            }
        }, "strata-start");
        this.starter = starter;
        starter.start();
    }

    private void startNode() throws Exception {
        Path dataDir = config.dataDir().toAbsolutePath().normalize();
        Files.createDirectories(dataDir);
        phase = "reading this node's placement" + (config.instanceMetadata().enabled() ? " from the instance metadata" : "");
        NodePlacement placement = NodePlacement.resolve(config);
        StrataConfig.Kafka kafka = config.kafka();
        int cores = Runtime.getRuntime().availableProcessors();
        KafkaServer kafkaServer = new KafkaServer(metrics, kafka.maxRequestBytes(),
                kafka.maxQueuedRequestsPerConnection(),
                kafka.ioThreads().orElse(cores), kafka.requestHandlerThreads().orElse(Math.max(4, 2 * cores)),
                kafka.socketSendBufferBytes(), kafka.socketReceiveBufferBytes());
        server = kafkaServer;
        List<KafkaListener> listeners = KafkaListener.fromConfig(kafka, placement.advertisedHost());
        KafkaListener interBroker = KafkaListener.interBroker(listeners, kafka.interBrokerListenerName().orElse(null));
        if (listeners.stream().anyMatch(l -> l.tls() && !l.sasl())) {
            tls = TlsContext.create(kafka.ssl(), false);
        }
        if (listeners.stream().anyMatch(l -> l.tls() && l.sasl())) {
            saslTls = TlsContext.create(kafka.ssl(), true);
        }
        SaslMechanisms sasl = listeners.stream().anyMatch(KafkaListener::sasl)
                ? new SaslMechanisms(kafka.sasl().enabledMechanisms(), this::scramCredential) : null;
        Map<String, NodeInfo.Endpoint> advertised = new LinkedHashMap<>();
        List<String> binds = new ArrayList<>();
        for (KafkaListener l : listeners) {
            int bound = kafkaServer.bind(l, l.tls() ? (l.sasl() ? saslTls : tls) : null, l.sasl() ? sasl : null,
                    kafka.connectionsMaxReauth().toMillis()).getPort();
            advertised.put(l.name().value(), new NodeInfo.Endpoint(l.advertisedHost(),
                    l.advertisedPort() > 0 ? l.advertisedPort() : bound));
            binds.add(l.name().value() + "://" + l.bindHost() + ":" + bound);
        }
        NodeInfo.Endpoint interBrokerEndpoint = advertised.get(interBroker.name().value());
        int advertisedPort = interBrokerEndpoint.port();
        this.advertisedListeners = advertised;

        refuseSeveralEmbeddedStores();
        boolean tieredHere = false;
        if (config.tiering().enabled()) {
            if (OBJECT_STORE_METADATA.equals(NodePlacement.metadataStoreKind(config))) {
                // Before joining: the cluster metadata lives in the object store.
                tiered = TieredStorage.start(config.s3(), config.tiering(), dataDir);
            } else {
                // Independent of the cluster: the node serves first and starts the store afterwards (or when a call
                // needs it); its calls wait for it, and the rest of the start (tiering, the listening line) follows it.
                tiered = TieredStorage.starting(config.s3(), config.tiering(), dataDir);
                tieredHere = true;
            }
        }
        phase = placement.aws().isPresent()
                ? "joining the cluster: waiting for a majority of " + placement.clusterSize() + " members, found by "
                        + "the EC2 tag " + config.cluster().aws().tagKey() + " (strata.cluster.discovery=aws)"
                : "joining the cluster: waiting for a majority of the members " + config.cluster().members()
                        .map(Object::toString).orElse("(this node alone)") + " (strata.cluster.members)";
        try {
            member = joinCluster(dataDir, interBrokerEndpoint, advertised, placement);
        } catch (Exception e) {
            if (tieredHere) {
                TieredStorage starting = tiered;
                tiered = null;
                starting.close();
            }
            throw e;
        }
        FileClusterIdentity.bind(dataDir, member.identity());
        brokerNode = new BrokerNode(nodeId, interBrokerEndpoint.host(), advertisedPort,
                member.identity().clusterId());
        BootstrapUsers.create(member.scramCredentials(), kafka.sasl());

        Map<String, Object> topicDefaults = BrokerDefaults.topicDefaults(config.log());
        LogConfig defaults = LogConfig.create(topicDefaults, Map.of());
        Set<String> nodeDefaultKeys = topicDefaults.keySet();

        phase = "opening the logs of the replicas this node hosts";
        logs = new LogManager(dataDir.resolve("logs"), Time.SYSTEM);
        RemoteLogManager remote = null;
        if (tiered != null) {
            remote = tiered.remote();
            backpressure = new TieringBackpressure(config.tiering().maxBacklogBytes());
            metrics.registerTiering(remote);
        }
        purgatory = new FetchPurgatory();
        replicaFetches = new FetchPurgatory();
        produces = new ProducePurgatory();
        ClusterMember cluster = member;
        ReplicationSettings replication = replicationSettings(config.replication());
        ReplicaFetcherManager fetchers = new ReplicaFetcherManager(nodeId, replication,
                id -> cluster.nodes().node(id).map(n -> new Node(n.nodeId(), n.kafkaHost(), n.kafkaPort(), n.rack())),
                Time.SYSTEM);
        ReplicaManager replicas = new ReplicaManager(nodeId, member.partitions(), logs,
                overrides -> LogConfig.create(topicDefaults, overrides), metrics, remote, backpressure, tp -> {
                    if (tieringStarted) {
                        tieringPipeline.requestUpload(tp);
                    }
                }, purgatory, produces, fetchers, replication, Time.SYSTEM);
        // A node merging back after a split gets the states changed without it with no change events.
        member.addMembershipChangeListener(replicas::reconcileSoon);
        topics = new TopicManager(member.topics(), member.partitions(), member.assigner(), logs,
                topicDefaults, metrics, kafka.defaultPartitions(), kafka.defaultReplicationFactor(),
                () -> cluster.nodes().liveNodeIds(), replicas);
        topics.start();
        metrics.registerReplication(() -> replicas.hostedPartitions().stream()
                        .filter(p -> p.isLeader() && p.inSyncReplicas().size() < p.state().replicas().size()).count(),
                () -> cluster.controller().isController()
                        ? cluster.partitions().all().values().stream().filter(st -> !st.hasLeader()).count() : 0,
                () -> cluster.assigner().uncleanElections());
        metrics.registerFollowerFetches(fetchers::fetchedBytes);
        logs.startBackgroundTasks();
        appender = new LeaderAppender(topics, replicaFetches, metrics, flushExecutor, cluster::hasQuorum);
        GroupTopics groupTopics = new GroupTopics(topics);
        groups = new GroupCoordinator(member.groupOffsets(), groupTopics, groupTopics, groupConfig(config.group()),
                new WheelGroupTimer(), new CoordinatorLocator(nodeId,
                        () -> List.copyOf(cluster.nodes().liveNodeIds()), cluster::hasQuorum));
        String clusterId = brokerNode.clusterId();

        FetchSessionCache fetchSessions = new FetchSessionCache(kafka.fetchSessionCacheSlots(),
                kafka.fetchSessionEviction().toMillis(), Time.SYSTEM);
        metrics.registerFetchSessions(fetchSessions);
        KafkaApis apis = new KafkaApis(
                new ProduceApi(topics, appender),
                new FetchApi(topics, purgatory, replicaFetches, metrics, remote, Time.SYSTEM,
                        new ReadReplicaSelector(config.replication().rackAwareReads(), nodeId,
                                id -> cluster.nodes().node(id).map(NodeInfo::rack), cluster.nodes()::isLive),
                        fetchSessions),
                new OffsetsApi(topics, remote),
                new MetadataApi(topics, brokerNode, member.nodes(), member.controller(), kafka.autoCreateTopics(),
                        cluster::hasQuorum),
                new TopicAdminApi(topics, brokerNode, nodeDefaultKeys, kafka.maxPartitionsPerRequest()),
                new ConfigsApi(topics, brokerNode, nodeDefaultKeys, BrokerDefaults.brokerConfigs(config, nodeId, defaults)),
                new ProducerIdApi(member.producerIds()),
                GroupApis.create(groups, topics, (id, listener) -> cluster.nodes().node(id)
                        .flatMap(n -> n.endpoint(listener).map(e -> new BrokerNode(n.nodeId(), e.host(), e.port(), clusterId)))
                        .orElse(null)),
                new LogAdminApi(topics, logs.dataDir(), remote),
                new ReplicaAdminApi(topics, member.assigner()),
                new ScramCredentialsApi(member.scramCredentials()),
                new AclsApi(member.acls()),
                authorization(config.security(), member, topics, interBroker.name().value()),
                new ClientQuotasApi(member.clientQuotas()),
                // A separate inter-broker listener carries only the cluster's own traffic; a lone listener serves clients.
                new QuotaEnforcement(quotas(member), listeners.size() > 1 ? interBroker.name().value() : null));
        kafkaServer.startAccepting(apis);
        StrataConfig.Balancer balancer = config.balancer();
        ElasticScaling elastic = new ElasticScaling(nodeId, member, replicas, balancer.enabled(),
                balancer.maxConcurrentMoves(), balancer.interval(), metrics.registry());
        elastic.start();
        scaling = elastic;
        phase = "serving Kafka clients";
        LOG.infof("Node %d of cluster %s serving Kafka clients at %s:%d, data in %s", brokerNode.nodeId(),
                brokerNode.clusterId(), brokerNode.host(), brokerNode.port(), dataDir);
        servingBinds = String.join(", ", binds);
    }

    /**
     * ACL enforcement when the authorizer is on, else null (every request allowed). Connections on the
     * inter-broker listener act as the broker principal: other nodes' replica fetches and this node's own
     * producers and consumers (HTTP produce forwarding, REST Proxy consumers) connect there without credentials.
     */
    static RequestAuthorization authorization(StrataConfig.Security security, ClusterMember member, TopicManager topics,
                                              String interBrokerListener) {
        if (!security.authorizer().enabled()) {
            return null;
        }
        AclAuthorizer authorizer = new AclAuthorizer(member.acls()::byPattern,
                AclAuthorizer.parseSuperUsers(security.superUsers().orElse("")), security.allowEveryoneIfNoAclFound());
        LOG.infof("Authorizer on: super users %s, allow everyone if no ACL found %s, inter-broker listener %s trusted",
                security.superUsers().orElse("(none)"), security.allowEveryoneIfNoAclFound(), interBrokerListener);
        return new RequestAuthorization(authorizer, topics, interBrokerListener);
    }

    /**
     * Client quotas over the cluster's quota store, re-read at each change of it. Available to other doors (HTTP)
     * through {@link #quotaManager()} once the node serves.
     */
    private QuotaManager quotas(ClusterMember member) {
        QuotaManager manager = new QuotaManager(member.clientQuotas()::quotas, config.quota().windowNum(),
                config.quota().windowSizeSeconds(), metrics.registry(), Time.SYSTEM);
        member.clientQuotas().onChange(manager::refresh);
        manager.refresh(); // a change between the first read and the registration
        quotaManager = manager;
        return manager;
    }

    /** The node's client quotas (null until the node serves): record usage and get throttle times. */
    public QuotaManager quotaManager() {
        return quotaManager;
    }

    /** Called by the main once Quarkus has started and printed its own lines. */
    void applicationStarted() {
        applicationStarted = true;
        connectObjectStore();
        announceIfReady();
    }

    /**
     * Starts the object store once the node serves and Quarkus has started (HTTP answers only then), so that it
     * takes no CPU from the start itself; a call that needs the store earlier starts it at once.
     */
    private void connectObjectStore() {
        TieredStorage storage = tiered;
        if (applicationStarted && storage != null && kafkaServerServing()) {
            storage.connect();
        }
    }

    private boolean kafkaServerServing() {
        return servingBinds != null;
    }

    /**
     * Logs where the node listens, once, as the last start-up line: after Quarkus's own lines for a lone node,
     * when the quorum is reached for a cluster member (which starts after Quarkus).
     */
    private void announceIfReady() {
        if (!applicationStarted || servingBinds == null || !announced.compareAndSet(false, true)) {
            return;
        }
        Config quarkusConfig = ConfigProvider.getConfig();
        String httpHost = quarkusConfig.getOptionalValue("quarkus.http.host", String.class).orElse("127.0.0.1");
        int actualHttpPort = quarkusConfig.getOptionalValue("quarkus.http.port", Integer.class).orElse(httpPort);
        String http = "http://" + httpHost + ":" + actualHttpPort + " (QUARKUS_HTTP_PORT)";
        if ("disabled".equalsIgnoreCase(quarkusConfig.getOptionalValue("quarkus.http.insecure-requests", String.class).orElse(""))) {
            // HTTPS only: the plain port is not served.
            http = "https://" + httpHost + ":" + quarkusConfig.getOptionalValue("quarkus.http.ssl-port", Integer.class).orElse(8443)
                    + " (QUARKUS_HTTP_SSL_PORT)";
        }
        LOG.infof("Node %d listening: Kafka %s (clients told %s; STRATA_KAFKA_PORT or STRATA_KAFKA_LISTENERS), HTTP "
                        + "%s, cluster member %s (STRATA_CLUSTER_PORT)%s", brokerNode.nodeId(),
                servingBinds, NodeInfo.formatListeners(advertisedListeners), http, memberAddress,
                tiered == null ? "; tiering off" : "; tiering to " + tiered.describe());
    }

    /**
     * Starts the sealed-segment upload pipeline. A separate, later step: reactive messaging wires its
     * channels at start-up after the node's own start (which must open the logs first).
     */
    void startTiering(@Observes @Priority(jakarta.interceptor.Interceptor.Priority.APPLICATION + 500) StartupEvent event) {
        if (starter == null) {
            startTiering();
        }
    }

    /**
     * Finishes the start once the object store is up: the upload pipeline. The node already
     * serves; a store still starting is not waited for here (nor on Quarkus's thread, which would hold back HTTP and
     * readiness) but completes the start from its own thread. A store that cannot start stops the node, as a failed
     * start would.
     */
    private void startTiering() {
        connectObjectStore();
        announceIfReady(); // a cluster member serves after Quarkus has started: its start ends here
        if (tiered == null) {
            finishStart(null);
        } else {
            tiered.started().whenComplete((ignored, failure) -> finishStart(failure));
        }
    }

    private synchronized void finishStart(Throwable storeFailure) {
        if (stopping) {
            return;
        }
        if (storeFailure != null) {
            LOG.error("The object store did not start; stopping the node", storeFailure);
            Quarkus.asyncExit(1);
            return;
        }
        if (tiered != null && !tieringStarted) {
            tieringPipeline.start(tiered.remote(), topics, backpressure, config.tiering());
            tieringStarted = true;
        }
    }

    /**
     * Replicas of a partition must all read the same object store: after a failover the new leader
     * continues the manifest the old one wrote. An embedded store is private to its node, so a
     * cluster of several members that tiers needs a shared {@code strata.s3.endpoint}.
     */
    private void refuseSeveralEmbeddedStores() {
        int members = clusterSize();
        if (config.tiering().enabled() && config.s3().endpoint().isEmpty() && members > 1) {
            throw new IllegalStateException("A cluster of " + members + " members (strata.cluster.members/size) "
                    + "needs one object store that all of them reach: set strata.s3.endpoint (e.g. an S3Proxy or "
                    + "MinIO shared by the nodes), or strata.tiering.enabled=false. The embedded store of each node "
                    + "is private to it, so after a failover the new leader could not read what the old one tiered.");
        }
    }

    /** The number of members the cluster is meant to have (strata.cluster.size, else the static list's length). */
    private int clusterSize() {
        StrataConfig.Cluster cluster = config.cluster();
        if (NodePlacement.AWS_DISCOVERY.equals(cluster.discovery())) {
            return cluster.size().orElse(Integer.MAX_VALUE); // required there: NodePlacement.resolve says so
        }
        return cluster.size().orElse(Math.max(1, NodePlacement.configuredMembers(config).size()));
    }

    private ClusterMember joinCluster(Path dataDir, NodeInfo.Endpoint interBroker, Map<String, NodeInfo.Endpoint> listeners,
                                      NodePlacement placement) throws IOException {
        StrataConfig.Cluster cluster = config.cluster();
        int port = cluster.port() == 0 ? freePort() : cluster.port();
        String self = placement.clusterHost() + ":" + port;
        memberAddress = self;
        List<String> members = placement.members().isEmpty() ? List.of(self) : placement.members();
        Path metadataDir = cluster.metadataDir().orElse(dataDir.resolve("cluster-metadata")).toAbsolutePath();
        MetadataStore store = metadataStore(NodePlacement.metadataStoreKind(config), metadataDir);
        nodeId = placement.nodeId(config.nodeId(), dataDir, store, interBroker.port());
        boolean alone = placement.clusterSize() <= 1 && placement.aws().isEmpty();
        MembershipConfig membership = MembershipConfig.builder(nodeId)
                .clusterName(cluster.name())
                .bindHost(placement.clusterHost())
                .port(port)
                .members(members)
                .splitBrainQuorum(splitBrainQuorum(cluster, placement))
                .awsDiscovery(placement.aws().orElse(null))
                .heartbeatInterval(cluster.heartbeatInterval())
                .maxNoHeartbeat(cluster.maxNoHeartbeat())
                // Alone there is nobody to wait for; with peers, give them time to be found.
                .joinWait(alone ? Duration.ZERO : Duration.ofSeconds(5))
                .metadataStore(store)
                .defaultReplicationFactor(config.kafka().defaultReplicationFactor())
                .uncleanLeaderElection(config.log().uncleanLeaderElectionEnable().orElse(false))
                .autoLeaderRebalance(config.replication().autoLeaderRebalance())
                .leaderImbalanceCheckInterval(config.replication().leaderImbalanceCheckInterval())
                .build();
        NodeInfo self0 = new NodeInfo(nodeId, interBroker.host(), interBroker.port(),
                placement.advertisedHost(), httpPort, placement.rack().orElse(null), listeners);
        return ClusterMember.start(membership, self0);
    }

    /**
     * Members needed for metadata writes: strata.cluster.split-brain-quorum when set; else a majority of
     * strata.cluster.size when that is set (or needed, with AWS discovery); else 0, a majority of the member list.
     */
    private static int splitBrainQuorum(StrataConfig.Cluster cluster, NodePlacement placement) {
        if (cluster.splitBrainQuorum().isPresent()) {
            return cluster.splitBrainQuorum().getAsInt();
        }
        return placement.aws().isPresent() || cluster.size().isPresent() ? placement.clusterSize() / 2 + 1 : 0;
    }

    private MetadataStore metadataStore(String kind, Path directory) {
        return switch (kind) {
            case DIRECTORY_METADATA -> new FileMetadataStore(directory);
            case OBJECT_STORE_METADATA -> {
                if (tiered == null) {
                    throw new IllegalStateException("strata.cluster.metadata-store=object-store needs the object store "
                            + "(strata.tiering.enabled=true)");
                }
                String prefix = config.s3().prefix().filter(p -> !p.isBlank()).map(p -> p + "/").orElse("");
                yield new ObjectStoreMetadataStore(tiered.store(), prefix + "cluster-metadata/");
            }
            default -> throw new IllegalArgumentException("strata.cluster.metadata-store must be 'directory' or "
                    + "'object-store', not '" + kind + "'");
        };
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    void stop(@Observes @Priority(10) ShutdownEvent event) {
        stopping = true;
        Thread starting = starter;
        if (starting != null && starting.isAlive()) {
            LOG.warnf("Stop requested while %s: abandoning start-up", phase);
            starting.interrupt();
            try {
                starting.join(config.kafka().shutdownGracePeriod().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (scaling != null && config.shutdown().drain()) {
            scaling.drainBeforeStop(config.shutdown().drainTimeout());
        }
        if (topics != null && member != null && member.hasQuorum()) {
            int moved = topics.replicas().handOverLeadership(member.nodes()::isLive);
            if (moved > 0) {
                LOG.infof("Shutting down: handed the leadership of %d partitions to other in-sync replicas", moved);
            }
        }
        LOG.info("Shutting down: closing the Kafka listener");
        KafkaServer kafkaServer = server;
        if (purgatory != null) {
            purgatory.completeAll();
            replicaFetches.completeAll();
        }
        if (groups != null) {
            // Waiting joins are answered (members rejoin after the restart); membership is not kept.
            groups.close();
        }
        if (kafkaServer != null) {
            kafkaServer.stop(config.kafka().shutdownGracePeriod());
        }
        if (tls != null) {
            tls.close();
        }
        if (saslTls != null) {
            saslTls.close();
        }
        if (purgatory != null) {
            purgatory.close();
            replicaFetches.close();
            produces.close();
        }
        flushExecutor.shutdown();
        try {
            flushExecutor.awaitTermination(config.kafka().shutdownGracePeriod().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        tieringPipeline.stop();
        if (scaling != null) {
            scaling.close();
        }
        if (topics != null) {
            topics.close();
        }
        if (logs != null) {
            try {
                logs.close();
                LOG.info("Logs flushed and closed");
            } catch (IOException e) {
                LOG.error("Closing the logs failed; the next start recovers them", e);
            }
        }
        if (tiered != null) {
            tiered.close();
        }
        if (quotaManager != null) {
            quotaManager.close();
        }
        if (member != null) {
            member.close();
        }
    }

    /** A user's SCRAM credential for SASL; empty until the node has joined the cluster. */
    private Optional<StoredScramCredential> scramCredential(String user, String mechanism) {
        ClusterMember m = member;
        return m == null ? Optional.empty() : Optional.ofNullable(m.scramCredentials().credentials(user).get(mechanism));
    }

    private static ReplicationSettings replicationSettings(StrataConfig.Replication r) {
        return new ReplicationSettings(r.replicaLagTimeMax().toMillis(), r.fetchMaxWait().toMillis(), r.fetchMaxBytes(),
                r.fetchResponseMaxBytes(), r.fetchBackoff().toMillis(), r.socketTimeout().toMillis(),
                r.reconcileInterval().toMillis());
    }

    private static GroupConfig groupConfig(StrataConfig.Group group) {
        return new GroupConfig(group.initialRebalanceDelay().toMillis(), (int) group.minSessionTimeout().toMillis(),
                (int) group.maxSessionTimeout().toMillis(), group.maxSize(),
                (int) group.consumerSessionTimeout().toMillis(), (int) group.consumerHeartbeatInterval().toMillis(),
                group.consumerAssignors(), GroupConfig.defaults().emptyGroupCleanupIntervalMs());
    }

    /** The address clients are told to use. */
    public BrokerNode brokerNode() {
        return brokerNode;
    }

    /** The cluster member: durable metadata such as credentials, ACLs and revoked tokens (null before it joins). */
    public ClusterMember member() {
        return member;
    }

    /** Topics and the partitions this node leads (null before start). */
    public TopicManager topics() {
        return topics;
    }

    /** Balancer and drains (null before the node serves). */
    public ElasticScaling scaling() {
        return scaling;
    }

    /** Appends to led partitions with metrics and fetch wake-ups, for every protocol (null before start). */
    public LeaderAppender appender() {
        return appender;
    }

    /** Reads of offsets that live only in object storage; null when tiering is off or before start. */
    public RemoteLogManager remote() {
        return tiered == null ? null : tiered.remote();
    }

    /** Fetches waiting for data (null before start). */
    public FetchPurgatory fetchPurgatory() {
        return purgatory;
    }

    /** Whether produce requests may create a missing topic. */
    public boolean autoCreateTopics() {
        return config.kafka().autoCreateTopics();
    }

    /** What the node is doing: a start-up step while not ready, else serving. */
    public String phase() {
        return phase;
    }

    /** True once the Kafka listener accepts connections. */
    public boolean isServingKafka() {
        KafkaServer s = server;
        return s != null && s.isAccepting();
    }
}
