package io.strata.ingest.node;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.strata.ingest.broker.FetchPurgatory;
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
import io.strata.ingest.kafka.network.KafkaServer;
import io.strata.ingest.observability.BrokerMetrics;
import io.strata.membership.cluster.ClusterIdentity;
import io.strata.membership.local.FileClusterIdentity;
import io.strata.membership.local.FileGroupOffsetStore;
import io.strata.membership.local.FileProducerIdAllocator;
import io.strata.membership.local.FileTopicRegistry;
import io.strata.storage.log.LogConfig;
import io.strata.storage.log.LogManager;
import jakarta.annotation.Priority;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import org.apache.kafka.common.utils.Time;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/**
 * Starts and stops the node's Kafka side in the right order.
 *
 * <p>Start: node identity, topic registry, logs (recovering after a crash), then the listener, so
 * a client is only accepted once every log is open. Stop (SIGTERM): stop accepting, answer waiting
 * long-polls, let in-flight requests finish, close connections, then flush and close the logs and
 * mark the shutdown clean.
 *
 * <p>Data directory layout: {@code meta.properties} (cluster and node id), {@code metadata/}
 * (topic registry, producer-id block), {@code logs/} (one directory per partition).
 */
@Singleton
public class StrataNode {

    private static final Logger LOG = Logger.getLogger(StrataNode.class);

    @Inject
    StrataConfig config;

    @Inject
    BrokerMetrics metrics;

    private volatile KafkaServer server;
    private LogManager logs;
    private FetchPurgatory purgatory;
    private TopicManager topics;
    private BrokerNode brokerNode;
    private GroupCoordinator groups;

    void start(@Observes @Priority(10) StartupEvent event) throws IOException, InterruptedException {
        Path dataDir = config.dataDir().toAbsolutePath();
        Files.createDirectories(dataDir);
        ClusterIdentity identity = FileClusterIdentity.loadOrCreate(dataDir, config.nodeId());
        StrataConfig.Kafka kafka = config.kafka();
        int cores = Runtime.getRuntime().availableProcessors();
        KafkaServer kafkaServer = new KafkaServer(metrics, kafka.maxRequestBytes(),
                kafka.maxQueuedRequestsPerConnection(),
                kafka.ioThreads().orElse(cores), kafka.requestHandlerThreads().orElse(Math.max(4, 2 * cores)));
        server = kafkaServer;
        int boundPort = kafkaServer.bind(kafka.host(), kafka.port()).getPort();
        brokerNode = new BrokerNode(identity.nodeId(), kafka.advertisedHost(),
                kafka.advertisedPort().orElse(boundPort), identity.clusterId());

        Map<String, Object> topicDefaults = BrokerDefaults.topicDefaults(config.log());
        LogConfig defaults = LogConfig.create(topicDefaults, Map.of());
        Set<String> nodeDefaultKeys = topicDefaults.keySet();

        logs = new LogManager(dataDir.resolve("logs"), Time.SYSTEM);
        topics = new TopicManager(new FileTopicRegistry(dataDir.resolve("metadata").resolve("topics")), logs,
                topicDefaults, metrics, kafka.defaultPartitions());
        topics.start();
        logs.startBackgroundTasks();
        purgatory = new FetchPurgatory();
        GroupTopics groupTopics = new GroupTopics(topics);
        groups = new GroupCoordinator(new FileGroupOffsetStore(dataDir.resolve("metadata").resolve("group-offsets")),
                groupTopics, groupTopics, groupConfig(config.group()), new WheelGroupTimer(),
                CoordinatorLocator.singleNode(brokerNode.nodeId()));
        BrokerNode self = brokerNode;

        KafkaApis apis = new KafkaApis(
                new ProduceApi(topics, purgatory, metrics),
                new FetchApi(topics, purgatory, metrics),
                new OffsetsApi(topics),
                new MetadataApi(topics, brokerNode, kafka.autoCreateTopics()),
                new TopicAdminApi(topics, brokerNode, nodeDefaultKeys),
                new ConfigsApi(topics, brokerNode, nodeDefaultKeys, BrokerDefaults.brokerConfigs(config, defaults)),
                new ProducerIdApi(new FileProducerIdAllocator(dataDir.resolve("metadata"))),
                GroupApis.create(groups, topics, id -> id == self.nodeId() ? self : null));
        kafkaServer.startAccepting(apis);
        LOG.infof("Node %d of cluster %s serving Kafka clients at %s:%d, data in %s", brokerNode.nodeId(),
                brokerNode.clusterId(), brokerNode.host(), brokerNode.port(), dataDir);
    }

    void stop(@Observes @Priority(10) ShutdownEvent event) {
        LOG.info("Shutting down: closing the Kafka listener");
        KafkaServer kafkaServer = server;
        if (purgatory != null) {
            purgatory.completeAll();
        }
        if (groups != null) {
            // Waiting joins are answered (members rejoin after the restart); membership is not kept.
            groups.close();
        }
        if (kafkaServer != null) {
            kafkaServer.stop(config.kafka().shutdownGracePeriod());
        }
        if (purgatory != null) {
            purgatory.close();
        }
        if (logs != null) {
            try {
                logs.close();
                LOG.info("Logs flushed and closed");
            } catch (IOException e) {
                LOG.error("Closing the logs failed; the next start recovers them", e);
            }
        }
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

    /** True once the Kafka listener accepts connections. */
    public boolean isServingKafka() {
        KafkaServer s = server;
        return s != null && s.isAccepting();
    }
}
