package io.strata.systemtest;

import static io.strata.systemtest.support.KafkaCli.TOPIC_COMMAND;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import io.strata.systemtest.support.KafkaCli;
import io.strata.systemtest.support.ToolResult;
import io.strata.testsupport.NodeLogOnFailure;
import io.strata.testsupport.StrataNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The status that docs/compatibility.md gives each Apache Kafka 4.4 command-line tool, checked by running the tool
 * against a node: what works prints what Kafka's own broker would make it print, and what does not fails at once
 * with a message naming the missing part. Tools with tests of their own (kafka-topics, the console tools,
 * kafka-consumer-groups, the replica tools) are covered there.
 */
@ExtendWith(NodeLogOnFailure.class)
class CliCompatibilityIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final String TOPIC = "cli-compat";
    private static final String FEATURES = "org.apache.kafka.tools.FeatureCommand";
    private static final String CONFIGS = "org.apache.kafka.tools.ConfigCommand";
    private static final String GET_OFFSETS = "org.apache.kafka.tools.GetOffsetShell";
    private static final String PRODUCER_PERF = "org.apache.kafka.tools.ProducerPerformance";
    private static final String CONSUMER_PERF = "org.apache.kafka.tools.ConsumerPerformance";
    private static final String METADATA_QUORUM = "org.apache.kafka.tools.MetadataQuorumCommand";
    private static final String ACLS = "org.apache.kafka.tools.AclCommand";
    private static final String TRANSACTIONS = "org.apache.kafka.tools.TransactionsCommand";
    private static final String API_VERSIONS = "org.apache.kafka.tools.BrokerApiVersionsCommand";
    private static final String CLUSTER = "org.apache.kafka.tools.ClusterTool";
    private static final String SHARE_GROUPS = "org.apache.kafka.tools.consumer.group.ShareGroupCommand";

    private static StrataNode node;

    @BeforeAll
    static void startNode() {
        node = StrataNode.start("cli-compat");
        KafkaCli.run(TOPIC_COMMAND, null, TIMEOUT, "--bootstrap-server", node.bootstrap(), "--create", "--topic", TOPIC,
                "--partitions", "2", "--replication-factor", "1").assertSuccess();
    }

    @AfterAll
    static void stopNode() {
        if (node != null) {
            node.close();
        }
    }

    private static ToolResult run(String tool, String... args) {
        return KafkaCli.run(tool, null, TIMEOUT, args);
    }

    @Test
    void featuresDescribeListsKafkasFeaturesAtStrataLevelsAndChangesAreRefused() {
        ToolResult described = run(FEATURES, "--bootstrap-server", node.bootstrap(), "describe").assertSuccess();
        List<String> lines = described.stdoutLines();
        assertThat(lines).as("%s", described).hasSize(7);
        assertThat(lines).anySatisfy(l -> assertThat(l).matches("Feature: metadata\\.version\\s+SupportedMinVersion: 4\\.4-IV2"
                + "\\s+SupportedMaxVersion: 4\\.4-IV2\\s+FinalizedVersionLevel: 4\\.4-IV2\\s+Epoch: 0"));
        assertThat(lines).anySatisfy(l -> assertThat(l).matches("Feature: group\\.version\\s+SupportedMinVersion: 0"
                + "\\s+SupportedMaxVersion: 1\\s+FinalizedVersionLevel: 1\\s+Epoch: 0"));
        assertThat(lines).anySatisfy(l -> assertThat(l).matches("Feature: transaction\\.version\\s+SupportedMinVersion: 0"
                + "\\s+SupportedMaxVersion: 0\\s+FinalizedVersionLevel: 0\\s+Epoch: 0"));

        ToolResult upgrade = run(FEATURES, "--bootstrap-server", node.bootstrap(), "upgrade", "--feature", "group.version=1");
        assertThat(upgrade.exitCode()).as("%s", upgrade).isNotZero();
        assertThat(upgrade.stdout() + upgrade.stderr()).contains("UPDATE_FEATURES");
    }

    @Test
    void configsOfTopicsChangeAndBrokerConfigsAreReadOnly() {
        run(CONFIGS, "--bootstrap-server", node.bootstrap(), "--alter", "--entity-type", "topics", "--entity-name", TOPIC,
                "--add-config", "retention.ms=86400000").assertSuccess();
        ToolResult topic = run(CONFIGS, "--bootstrap-server", node.bootstrap(), "--describe", "--entity-type", "topics",
                "--entity-name", TOPIC).assertSuccess();
        assertThat(topic.stdout()).contains("retention.ms=86400000");

        ToolResult broker = run(CONFIGS, "--bootstrap-server", node.bootstrap(), "--describe", "--entity-type", "brokers",
                "--entity-name", Integer.toString(node.nodeId()), "--all").assertSuccess();
        assertThat(broker.stdout()).contains("default.replication.factor=1");
        ToolResult alterBroker = run(CONFIGS, "--bootstrap-server", node.bootstrap(), "--alter", "--entity-type", "brokers",
                "--entity-name", Integer.toString(node.nodeId()), "--add-config", "log.cleaner.threads=2");
        assertThat(alterBroker.exitCode()).isNotZero();
        assertThat(alterBroker.stderr()).contains("Broker configs cannot be changed at run time");

        ToolResult ipQuota = run(CONFIGS, "--bootstrap-server", node.bootstrap(), "--alter", "--entity-type", "ips",
                "--entity-default", "--add-config", "connection_creation_rate=10");
        assertThat(ipQuota.exitCode()).isNotZero();
        assertThat(ipQuota.stderr()).contains("IP quotas (connection_creation_rate) are not supported");
    }

    @Test
    void perfToolsAndGetOffsetsWork() {
        ToolResult produced = run(PRODUCER_PERF, "--topic", TOPIC, "--num-records", "500", "--record-size", "100",
                "--throughput", "-1", "--command-property", "bootstrap.servers=" + node.bootstrap()).assertSuccess();
        assertThat(produced.stdout()).contains("500 records sent");
        ToolResult consumed = run(CONSUMER_PERF, "--bootstrap-server", node.bootstrap(), "--topic", TOPIC,
                "--messages", "500", "--timeout", "30000").assertSuccess();
        assertThat(consumed.stdoutLines()).last().asString().contains(", 500, ");

        ToolResult latest = run(GET_OFFSETS, "--bootstrap-server", node.bootstrap(), "--topic", TOPIC).assertSuccess();
        long total = latest.stdoutLines().stream().mapToLong(l -> Long.parseLong(l.substring(l.lastIndexOf(':') + 1))).sum();
        assertThat(latest.stdoutLines()).hasSize(2);
        assertThat(total).isGreaterThanOrEqualTo(500);
        ToolResult earliest = run(GET_OFFSETS, "--bootstrap-server", node.bootstrap(), "--topic", TOPIC, "--time", "-2")
                .assertSuccess();
        assertThat(earliest.stdoutLines()).containsExactlyInAnyOrder(TOPIC + ":0:0", TOPIC + ":1:0");
    }

    @Test
    void apiVersionsAndClusterToolsWork() {
        ToolResult versions = run(API_VERSIONS, "--bootstrap-server", node.bootstrap()).assertSuccess();
        assertThat(versions.stdout()).contains("Produce(0): ").contains("ConsumerGroupHeartbeat(68): ")
                .contains("AddPartitionsToTxn(24): UNSUPPORTED");
        ToolResult id = run(CLUSTER, "cluster-id", "--bootstrap-server", node.bootstrap()).assertSuccess();
        assertThat(id.stdout()).startsWith("Cluster ID: ");
        ToolResult endpoints = run(CLUSTER, "list-endpoints", "--bootstrap-server", node.bootstrap()).assertSuccess();
        assertThat(endpoints.stdout()).contains(Integer.toString(node.advertisedPort())).contains("broker");
    }

    @Test
    void toolsForWhatIsNotImplementedFailAtOnceNamingTheMissingApi() {
        ToolResult quorum = run(METADATA_QUORUM, "--bootstrap-server", node.bootstrap(), "describe", "--status");
        assertThat(quorum.exitCode()).isNotZero();
        assertThat(quorum.stderr()).contains("does not support DESCRIBE_QUORUM");

        // ACLs need the authorizer (strata.security.authorizer.enabled); without it, as in Kafka, SECURITY_DISABLED.
        ToolResult acls = run(ACLS, "--bootstrap-server", node.bootstrap(), "--list");
        assertThat(acls.exitCode()).isNotZero();
        assertThat(acls.stdout() + acls.stderr()).contains("No authorizer is configured");

        ToolResult transactions = run(TRANSACTIONS, "--bootstrap-server", node.bootstrap(), "list");
        assertThat(transactions.exitCode()).isNotZero();
        assertThat(transactions.stdout() + transactions.stderr()).contains("does not support LIST_TRANSACTIONS");

        ToolResult shareGroups = run(SHARE_GROUPS, "--bootstrap-server", node.bootstrap(), "--describe", "--group", "g");
        assertThat(shareGroups.stdout() + shareGroups.stderr()).contains("does not support SHARE_GROUP_DESCRIBE");
    }
}
