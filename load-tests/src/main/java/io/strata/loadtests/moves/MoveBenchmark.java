package io.strata.loadtests.moves;

import io.strata.loadtests.ChildJvm;
import io.strata.loadtests.node.KafkaBroker;
import io.strata.loadtests.node.Node;
import io.strata.loadtests.node.NodeCluster;
import io.strata.loadtests.node.StrataNode;
import io.strata.loadtests.tools.PartitionFill;
import io.strata.testsupport.ObjectStoreProcess;
import io.strata.testsupport.Ports;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Seconds per partition move, for growing partition sizes, Strata against Apache Kafka: two nodes of each system; a
 * one-replica partition on node 1 is filled with N MiB, then moved to node 2 by AlterPartitionReassignments (what
 * {@code kafka-reassign-partitions} and Strata's balancer use); the time runs from the request until the move is no
 * longer listed and node 2 alone holds the partition in sync. Strata tiers sealed segments to one shared S3Proxy, so
 * its new replica starts at the object store's end and copies only the untiered tail (its
 * {@code strata_replication_fetched_bytes_total} is reported); Kafka copies the whole partition.
 *
 * <p>Prints a Markdown table and writes it to {@code load-tests/results/raw/moves-<stamp>.md}.
 */
@Command(name = "run-move-benchmark", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Seconds per partition move of growing size, Strata against Apache Kafka, two nodes each.")
public final class MoveBenchmark implements Callable<Integer> {

    private static final long SEGMENT_BYTES = 1L << 20;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Option(names = "--repo-root", defaultValue = ".", description = "Repository root. Default: ${DEFAULT-VALUE}.")
    Path repo;

    @Option(names = "--mode", defaultValue = "full",
            description = "full (16, 64 and 256 MiB) or smoke (2 and 8 MiB). Default: ${DEFAULT-VALUE}.")
    String mode;

    @Option(names = "--mib", split = ",", description = "Partition sizes in MiB (overrides --mode).")
    List<Integer> mib;

    public static void main(String[] args) {
        System.exit(new CommandLine(new MoveBenchmark()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        List<Integer> sizes = mib != null ? mib : mode.equals("smoke") ? List.of(2, 8) : List.of(16, 64, 256);
        String stamp = Instant.now().toString().replace(":", "").replace(".", "");
        Path work = Files.createDirectories(repo.resolve("load-tests/results/raw/moves-" + stamp)).toAbsolutePath();
        List<String[]> rows = run(repo, sizes, work);
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "# Partition move benchmark %s%n%nOne-replica partition of N MiB (1 KiB "
                + "records, 1 MiB segments) moved from node 1 to node 2 of a two-node cluster by "
                + "AlterPartitionReassignments; Strata tiers to one shared S3Proxy. %d cores.%n%n"
                + "| system | partition MiB | move seconds | MiB copied by the new replica |%n|---|---:|---:|---:|%n",
                stamp, Runtime.getRuntime().availableProcessors()));
        for (String[] r : rows) {
            md.append("| ").append(String.join(" | ", r)).append(" |\n");
        }
        System.out.print(md);
        Files.writeString(work.resolveSibling("moves-" + stamp + ".md"), md);
        return 0;
    }

    /**
     * Measures one move per size on each system, after a warm-up move.
     *
     * @return rows of system, partition MiB, move seconds, MiB copied by the new replica
     */
    public static List<String[]> run(Path repo, List<Integer> sizes, Path work) throws Exception {
        Path jar = repo.resolve("ingest/target/quarkus-app/quarkus-run.jar").toAbsolutePath();
        List<String[]> rows = new ArrayList<>();
        for (String system : List.of("strata", "kafka")) {
            try (NodeCluster cluster = cluster(system, work.resolve(system), jar)) {
                cluster.start();
                measure(system, cluster, 1); // warm-up: connections, class loading, the first leader fetches
                for (int mib : sizes) {
                    rows.add(measure(system, cluster, mib));
                    System.out.println(String.join(" | ", rows.get(rows.size() - 1)));
                }
            }
        }
        return rows;
    }

    private static String[] measure(String system, NodeCluster cluster, int mib) throws Exception {
        String topic = "move-" + mib + "-" + System.nanoTime();
        TopicPartition tp = new TopicPartition(topic, 0);
        Map<String, String> configs = system.equals("strata")
                ? Map.of("segment.bytes", Long.toString(SEGMENT_BYTES), "local.retention.bytes", Long.toString(2 * SEGMENT_BYTES))
                : Map.of("segment.bytes", Long.toString(SEGMENT_BYTES));
        try (Admin admin = Node.admin(cluster.bootstrap(), 30_000)) {
            admin.createTopics(List.of(new NewTopic(topic, Map.of(0, List.of(1))).configs(configs))).all().get();
            PartitionFill.fill(cluster.bootstrap(), topic, mib);
            StrataNode target = system.equals("strata") ? (StrataNode) cluster.nodes().get(1) : null;
            if (system.equals("strata")) {
                awaitTiered((StrataNode) cluster.nodes().get(0));
            }
            double fetchedBefore = target == null ? 0 : metric(target, "strata_replication_fetched_bytes_total");
            long t0 = System.nanoTime();
            admin.alterPartitionReassignments(Map.of(tp, Optional.of(new NewPartitionReassignment(List.of(2)))))
                    .all().get();
            long deadline = t0 + Duration.ofMinutes(20).toNanos();
            while (true) {
                boolean listed = admin.listPartitionReassignments().reassignments().get().containsKey(tp);
                TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
                TopicPartitionInfo p = d.partitions().get(0);
                if (!listed && p.replicas().size() == 1 && p.replicas().get(0).id() == 2 && p.isr().size() == 1
                        && p.leader() != null && p.leader().id() == 2) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(system + ": move of " + topic + " not done after 20 minutes");
                }
                Thread.sleep(20);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            String copied = target == null ? String.format(Locale.ROOT, "%d (all)", mib)
                    : String.format(Locale.ROOT, "%.2f", (metric(target, "strata_replication_fetched_bytes_total")
                    - fetchedBefore) / 1048576.0);
            return new String[] {system, Integer.toString(mib), String.format(Locale.ROOT, "%.2f", seconds), copied};
        }
    }

    private static NodeCluster cluster(String system, Path dir, Path jar) throws IOException {
        Files.createDirectories(dir);
        ChildJvm jvm = new ChildJvm(Paths.get(System.getProperty("java.home"), "bin", "java"),
                System.getProperty("java.class.path"));
        List<Node> nodes = new ArrayList<>();
        int[] ports = {Ports.free(), Ports.free(), Ports.free(), Ports.free(), Ports.free(), Ports.free(), Ports.free()};
        if (system.equals("kafka")) {
            String voters = KafkaBroker.voters(new int[] {ports[1], ports[3]});
            String clusterId = Uuid.randomUuid().toString();
            for (int i = 0; i < 2; i++) {
                nodes.add(new KafkaBroker(spec(jvm, dir, i + 1), i + 1, ports[2 * i], ports[2 * i + 1], voters,
                        clusterId, 2));
            }
            return new NodeCluster(nodes, null, Duration.ofSeconds(120));
        }
        ObjectStoreProcess store = ObjectStoreProcess.builder(dir.resolve("objects")).port(ports[6])
                .logFile(dir.resolve("s3proxy.log")).java(jvm.java()).nodeLibDir(jar.resolveSibling("lib").resolve("main"))
                .build();
        int[] clusterPorts = {Ports.free(), Ports.free()};
        String members = "127.0.0.1:" + clusterPorts[0] + ",127.0.0.1:" + clusterPorts[1];
        for (int i = 0; i < 2; i++) {
            Map<String, String> env = new java.util.LinkedHashMap<>();
            env.put("STRATA_NODE_ID", Integer.toString(i + 1));
            env.put("STRATA_CLUSTER_PORT", Integer.toString(clusterPorts[i]));
            env.put("STRATA_CLUSTER_MEMBERS", members);
            env.put("STRATA_CLUSTER_METADATA_DIR", dir.resolve("cluster-metadata").toString());
            env.put("STRATA_TIERING_SCAN_INTERVAL", "200ms");
            env.putAll(store.nodeEnv());
            nodes.add(new StrataNode(spec(jvm, dir, i + 1), jar, ports[2 * i], ports[2 * i + 1], env));
        }
        return new NodeCluster(nodes, store, Duration.ofSeconds(120));
    }

    private static Node.Spec spec(ChildJvm jvm, Path dir, int id) {
        return new Node.Spec(jvm, List.of("-Xms512m", "-Xmx512m"), dir.resolve("node-" + id), dir.resolve("node-" + id + ".log"),
                Node.Durability.PAGE_CACHE, 1, Duration.ofSeconds(120));
    }


    /** Waits until node 1 has uploaded every sealed segment. */
    private static void awaitTiered(StrataNode node) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        Thread.sleep(1500); // the 1 s scan picks up the last roll
        while (metric(node, "strata_tiering_backlog_bytes") > 0) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("tiering backlog not drained within 10 minutes");
            }
            Thread.sleep(100);
        }
    }

    private static double metric(StrataNode node, String name) throws Exception {
        String body = HTTP.send(HttpRequest.newBuilder(URI.create(node.httpBase() + "/q/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(?:\\{[^}]*})? ([0-9.eE+-]+)$").matcher(body);
        if (!m.find()) {
            throw new IllegalStateException("metric " + name + " not exported");
        }
        return Double.parseDouble(m.group(1));
    }
}
