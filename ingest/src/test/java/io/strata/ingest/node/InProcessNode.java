package io.strata.ingest.node;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.strata.ingest.broker.FetchPurgatory;
import io.strata.ingest.broker.FetchSessionCache;
import io.strata.ingest.broker.LeaderAppender;
import io.strata.ingest.broker.ProducePurgatory;
import io.strata.ingest.broker.ReadReplicaSelector;
import io.strata.ingest.broker.ReplicaManager;
import io.strata.ingest.broker.TopicManager;
import io.strata.ingest.config.StrataConfig;
import io.strata.ingest.group.CoordinatorLocator;
import io.strata.ingest.group.GroupConfig;
import io.strata.ingest.group.GroupCoordinator;
import io.strata.ingest.group.ManualTimer;
import io.strata.ingest.kafka.api.BrokerNode;
import io.strata.ingest.kafka.api.ConfigsApi;
import io.strata.ingest.kafka.api.FetchApi;
import io.strata.ingest.kafka.api.GroupApis;
import io.strata.ingest.kafka.api.GroupTopics;
import io.strata.ingest.kafka.api.KafkaApis;
import io.strata.ingest.kafka.api.LogAdminApi;
import io.strata.ingest.kafka.api.MetadataApi;
import io.strata.ingest.kafka.api.OffsetsApi;
import io.strata.ingest.kafka.api.ProduceApi;
import io.strata.ingest.kafka.api.ProducerIdApi;
import io.strata.ingest.kafka.api.ReplicaAdminApi;
import io.strata.ingest.kafka.api.TopicAdminApi;
import io.strata.ingest.observability.BrokerMetrics;
import io.strata.ingest.replication.ReplicaFetcherManager;
import io.strata.ingest.replication.ReplicationSettings;
import io.strata.membership.cluster.NodeInfo;
import io.strata.membership.durable.FileMetadataStore;
import io.strata.membership.hazelcast.ClusterMember;
import io.strata.membership.hazelcast.MembershipConfig;
import io.strata.membership.local.FileClusterIdentity;
import io.strata.storage.log.LogConfig;
import io.strata.storage.log.LogManager;
import io.strata.testsupport.Ports;
import org.apache.kafka.common.utils.Time;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A lone node assembled in-process the way {@link StrataNode} assembles one (cluster member, logs,
 * replicas, topics, groups, the Kafka APIs), without Quarkus, without a client listener and without
 * tiering, so that tests can hand requests straight to {@link KafkaApis}. Settings are the node's own
 * {@code strata.*} configuration with its defaults; the group coordinator's clock is a
 * {@link ManualTimer} that the test moves ({@link #releaseWaiting}).
 *
 * <p>Thread-safety: as the node's; {@link #releaseWaiting} is meant for the one test thread.
 */
public final class InProcessNode implements AutoCloseable {

    private final ClusterMember member;
    private final LogManager logs;
    private final TopicManager topics;
    private final FetchPurgatory fetches;
    private final FetchPurgatory replicaFetches;
    private final ProducePurgatory produces;
    private final GroupCoordinator groups;
    private final ManualTimer groupTime = new ManualTimer();
    private final ExecutorService flushExecutor;
    private final LeaderAppender appender;
    private final BrokerNode brokerNode;
    private final boolean autoCreateTopics;
    private final KafkaApis apis;
    private io.strata.ingest.quota.QuotaManager quotaManager;

    private InProcessNode(Path dataDir, StrataConfig config) throws IOException {
        StrataConfig.Kafka kafka = config.kafka();
        StrataConfig.Cluster cluster = config.cluster();
        int port = Ports.free();
        MembershipConfig membership = MembershipConfig.builder(config.nodeId())
                .clusterName(cluster.name() + "-" + port)
                .bindHost("127.0.0.1")
                .port(port)
                .members(List.of("127.0.0.1:" + port))
                .joinWait(Duration.ZERO)
                .metadataStore(new FileMetadataStore(dataDir.resolve("cluster-metadata")))
                .defaultReplicationFactor(kafka.defaultReplicationFactor())
                .build();
        int kafkaPort = kafka.advertisedPort().orElse(9092);
        member = ClusterMember.start(membership, new NodeInfo(config.nodeId(), kafka.advertisedHost(), kafkaPort,
                kafka.advertisedHost(), 8080, null));
        FileClusterIdentity.bind(dataDir, member.identity());
        brokerNode = new BrokerNode(config.nodeId(), kafka.advertisedHost(), kafkaPort, member.identity().clusterId());
        autoCreateTopics = kafka.autoCreateTopics();

        Map<String, Object> topicDefaults = BrokerDefaults.topicDefaults(config.log());
        LogConfig defaults = LogConfig.create(topicDefaults, Map.of());
        BrokerMetrics metrics = new BrokerMetrics(new SimpleMeterRegistry());
        logs = new LogManager(dataDir.resolve("logs"), Time.SYSTEM);
        fetches = new FetchPurgatory();
        replicaFetches = new FetchPurgatory();
        produces = new ProducePurgatory();
        StrataConfig.Replication r = config.replication();
        ReplicationSettings replication = new ReplicationSettings(r.replicaLagTimeMax().toMillis(),
                r.fetchMaxWait().toMillis(), r.fetchMaxBytes(), r.fetchResponseMaxBytes(), r.fetchBackoff().toMillis(),
                r.socketTimeout().toMillis(), r.reconcileInterval().toMillis());
        ReplicaFetcherManager fetchers = new ReplicaFetcherManager(config.nodeId(), replication, id -> Optional.empty(),
                Time.SYSTEM);
        ReplicaManager replicas = new ReplicaManager(config.nodeId(), member.partitions(), logs,
                overrides -> LogConfig.create(topicDefaults, overrides), metrics, null, null, tp -> {
                }, fetches, produces, fetchers, replication, Time.SYSTEM);
        topics = new TopicManager(member.topics(), member.partitions(), member.assigner(), logs, topicDefaults, metrics,
                kafka.defaultPartitions(), kafka.defaultReplicationFactor(), () -> member.nodes().liveNodeIds(), replicas);
        topics.start();
        logs.startBackgroundTasks();
        flushExecutor = Executors.newFixedThreadPool(2, new DefaultThreadFactory("in-process-flush", true));
        appender = new LeaderAppender(topics, replicaFetches, metrics, flushExecutor, member::hasQuorum);
        GroupTopics groupTopics = new GroupTopics(topics);
        StrataConfig.Group g = config.group();
        // Empty-group clean-up once a day: the test moves the group clock by days at a time.
        GroupConfig groupConfig = new GroupConfig(g.initialRebalanceDelay().toMillis(),
                (int) g.minSessionTimeout().toMillis(), (int) g.maxSessionTimeout().toMillis(), g.maxSize(),
                (int) g.consumerSessionTimeout().toMillis(), (int) g.consumerHeartbeatInterval().toMillis(),
                g.consumerAssignors(), TimeUnit.DAYS.toMillis(1));
        groups = new GroupCoordinator(member.groupOffsets(), groupTopics, groupTopics, groupConfig, groupTime,
                new CoordinatorLocator(config.nodeId(), () -> List.copyOf(member.nodes().liveNodeIds()),
                        member::hasQuorum));
        String clusterId = brokerNode.clusterId();
        FetchSessionCache fetchSessions = new FetchSessionCache(kafka.fetchSessionCacheSlots(),
                kafka.fetchSessionEviction().toMillis(), Time.SYSTEM);
        metrics.registerFetchSessions(fetchSessions);
        apis = new KafkaApis(
                new ProduceApi(topics, appender),
                new FetchApi(topics, fetches, replicaFetches, metrics, null, Time.SYSTEM,
                        new ReadReplicaSelector(false, config.nodeId(), id -> Optional.empty(), id -> true),
                        fetchSessions),
                new OffsetsApi(topics, null),
                new MetadataApi(topics, brokerNode, member.nodes(), member.controller(), kafka.autoCreateTopics(),
                        member::hasQuorum),
                new TopicAdminApi(topics, brokerNode, topicDefaults.keySet(), kafka.maxPartitionsPerRequest()),
                new ConfigsApi(topics, brokerNode, topicDefaults.keySet(), BrokerDefaults.brokerConfigs(config, config.nodeId(), defaults)),
                new ProducerIdApi(member.producerIds()),
                GroupApis.create(groups, topics, id -> id == config.nodeId() ? brokerNode
                        : member.nodes().node(id).map(n -> new BrokerNode(n.nodeId(), n.kafkaHost(), n.kafkaPort(),
                        clusterId)).orElse(null)),
                new LogAdminApi(topics, logs.dataDir(), null),
                new ReplicaAdminApi(topics, member.assigner()),
                new io.strata.ingest.kafka.api.ScramCredentialsApi(member.scramCredentials()),
                new io.strata.ingest.kafka.api.AclsApi(member.acls()),
                StrataNode.authorization(config.security(), member, topics, "PLAINTEXT"),
                new io.strata.ingest.kafka.api.ClientQuotasApi(member.clientQuotas()),
                new io.strata.ingest.kafka.api.QuotaEnforcement(quotas(member), null));
    }

    /**
     * Starts a node over {@code dataDir} with the node's default settings and {@code settings} on top
     * (keys as in application.properties, e.g. {@code strata.kafka.auto-create-topics}).
     */
    public static InProcessNode start(Path dataDir, Map<String, String> settings) throws IOException {
        Map<String, String> all = new HashMap<>(settings);
        all.put("strata.data-dir", dataDir.toString());
        return new InProcessNode(dataDir, config(StrataConfig.class, all));
    }

    /** A configuration mapping ({@code @ConfigMapping}) with its defaults and {@code settings} on top. */
    public static <T> T config(Class<T> mapping, Map<String, String> settings) {
        return new SmallRyeConfigBuilder()
                .withMapping(mapping)
                .withValidateUnknown(false) // settings of other mappings (strata.http.* beside strata.*) may be given
                .withConverter(Duration.class, 200, new DurationConverter()) // Quarkus' "1s", "500ms" forms
                .withSources(new PropertiesConfigSource(settings, "in-process-node", 500))
                .build()
                .getConfigMapping(mapping);
    }

    /** The node's cluster member (its metadata stores: topics, offsets, credentials, ACLs). */
    public ClusterMember member() {
        return member;
    }

    public KafkaApis apis() {
        return apis;
    }

    public TopicManager topics() {
        return topics;
    }

    /** Appends to led partitions as every protocol does. */
    public LeaderAppender appender() {
        return appender;
    }

    public BrokerNode brokerNode() {
        return brokerNode;
    }

    public boolean autoCreateTopics() {
        return autoCreateTopics;
    }

    /**
     * Completes whatever waits on time: parked fetches are answered now, and the group clock jumps
     * {@code groupMillis} ahead, firing the join, sync and session deadlines that fall due.
     */
    public void releaseWaiting(long groupMillis) {
        fetches.completeAll();
        replicaFetches.completeAll();
        groupTime.advance(groupMillis);
    }

    @Override
    public void close() throws IOException {
        fetches.close();
        replicaFetches.close();
        produces.close();
        groups.close();
        flushExecutor.shutdown();
        topics.close();
        logs.close();
        quotaManager.close();
        member.close();
    }

    /** The node's client quotas, over the member's quota store, as the node wires them. */
    private io.strata.ingest.quota.QuotaManager quotas(ClusterMember member) {
        quotaManager = new io.strata.ingest.quota.QuotaManager(member.clientQuotas()::quotas, 11, 1, null, Time.SYSTEM);
        member.clientQuotas().onChange(quotaManager::refresh);
        return quotaManager;
    }
}
