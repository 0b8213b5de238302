package io.strata.deploychecks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.strata.reliability.net.NetworkLab;
import io.strata.testsupport.ObjectStoreProcess;
import io.strata.testsupport.Ports;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The module's user data, rendered with test values, boots three "instances": each is a network namespace with an
 * address of its own, where the script runs as cloud-init would run it (as root), installs the locally built node
 * from a package URL and starts it under a systemctl stand-in that honours the unit's environment file, ExecStart and
 * its health-checked ExecStartPost. Each instance sees an instance metadata service (IMDSv2 only) at
 * 169.254.169.254:80, redirected in its namespace to a stub here; Hazelcast's AWS discovery calls a DescribeInstances
 * stub (its {@code host-header} setting is the module's {@code ec2_endpoint}); the object store is S3Proxy standing in
 * for S3. The nodes find each other by tag, form one cluster, serve kcat and an NDJSON post; then a node whose data
 * directory was deleted boots again and rejoins with its node id and the topics, from the metadata in the bucket.
 *
 * <p>What differs from EC2: the user data's directories are per instance (the namespaces share one file system),
 * the data volume is absent (the script then keeps the data on the root volume), the run user is root, and the
 * object store speaks path-style S3 with static keys (on AWS the instance role's credentials are used).
 */
class AwsUserDataBootIT {

    private static final String CLUSTER = "strata-test";
    private static final String[] ZONES = {"eu-west-1a", "eu-west-1b", "eu-west-1c"};
    private static final Duration BOOT_TIMEOUT = Duration.ofSeconds(150);
    private static final Path TARGET = Path.of(System.getProperty("strata.test.target.dir", "target")).toAbsolutePath();
    private static final Path WORK = TARGET.resolve("aws-boot");

    private static NetworkLab lab;
    private static ObjectStoreProcess objects;
    private static InstanceMetadataStub imds;
    private static DescribeInstancesStub ec2;
    private static Path packageFile;
    private static Path shimDir;

    @BeforeAll
    static void setUp() throws Exception {
        assumeTrue(NetworkLab.available(), () -> "network namespaces: " + NetworkLab.unavailableReason().orElse(""));
        deleteTree(WORK);
        Files.createDirectories(WORK);
        lab = createLab();
        objects = ObjectStoreProcess.builder(WORK.resolve("objects")).host(lab.hostAddress()).port(Ports.free())
                .logFile(WORK.resolve("s3proxy.log")).build().start();
        Map<String, InstanceMetadataStub.Instance> instances = new LinkedHashMap<>();
        List<DescribeInstancesStub.Ec2Instance> ec2Instances = new ArrayList<>();
        for (int i : lab.nodeIds()) {
            instances.put(lab.address(i), new InstanceMetadataStub.Instance(instanceId(i), lab.address(i), ZONES[i - 1]));
            ec2Instances.add(new DescribeInstancesStub.Ec2Instance(instanceId(i), lab.address(i), ZONES[i - 1],
                    Map.of("strata-cluster", CLUSTER, "Name", CLUSTER + "-node")));
        }
        // Another cluster's instance in the same account: the tag filter must leave it out.
        ec2Instances.add(new DescribeInstancesStub.Ec2Instance("i-0other", "10.213.77.99", ZONES[0],
                Map.of("strata-cluster", "another-cluster")));
        imds = new InstanceMetadataStub(lab.hostAddress(), Ports.free(), instances);
        ec2 = new DescribeInstancesStub(lab.hostAddress(), Ports.free(), ec2Instances);
        for (int i : lab.nodeIds()) {
            lab.redirect(i, "169.254.169.254", 80, imds.port());
        }
        packageFile = WORK.resolve("strata-node.tar.gz");
        Path app = Path.of(System.getProperty("strata.node.jar")).toAbsolutePath().getParent();
        run(List.of("tar", "-C", app.getParent().toString(), "-cf", packageFile.toString(), "--use-compress-program=gzip -1",
                app.getFileName().toString()), Duration.ofSeconds(120));
        shimDir = Files.createDirectories(WORK.resolve("bin"));
        try (var in = AwsUserDataBootIT.class.getResourceAsStream("/boot/systemctl")) {
            Files.copy(in, shimDir.resolve("systemctl"), StandardCopyOption.REPLACE_EXISTING);
        }
        assertThat(shimDir.resolve("systemctl").toFile().setExecutable(true)).isTrue();
    }

    @AfterAll
    static void tearDown() {
        if (lab != null) {
            lab.close(); // kills the nodes inside the namespaces
        }
        if (objects != null) {
            objects.close();
        }
        if (imds != null) {
            imds.close();
        }
        if (ec2 != null) {
            ec2.close();
        }
    }

    @Test
    void theUserDataBootsAClusterThatServesClientsAndANodeWithoutItsDataRejoins() throws Exception {
        try {
            // Boot: the three instances at once, as an auto-scaling group launches them.
            List<CompletableFuture<Void>> boots = lab.nodeIds().stream().map(i -> CompletableFuture.runAsync(() -> boot(i))).toList();
            CompletableFuture.allOf(boots.toArray(CompletableFuture[]::new)).get(BOOT_TIMEOUT.toSeconds() + 30, TimeUnit.SECONDS);

            Map<String, Integer> idsByHost;
            try (Admin admin = admin(1)) {
                Map<String, Node> nodes = await().atMost(Duration.ofSeconds(30)).until(() -> nodesByHost(admin), n -> n.size() == 3);
                idsByHost = nodes.values().stream().collect(Collectors.toMap(Node::host, Node::id));
                assertThat(nodes.keySet()).containsExactlyInAnyOrder(lab.address(1), lab.address(2), lab.address(3));
                assertThat(nodes.values()).allSatisfy(n -> assertThat(n.id()).isGreaterThan(1000));
                assertThat(Set.copyOf(idsByHost.values())).hasSize(3);
                assertThat(nodes.values().stream().map(Node::rack).collect(Collectors.toSet())).containsExactlyInAnyOrder(ZONES);
                admin.createTopics(List.of(new NewTopic("devices", 3, (short) 3))).all().get(30, TimeUnit.SECONDS);
                awaitFullIsr(admin);
            }

            // Clients: kcat produces through one node, NDJSON comes in over HTTP at another, kcat reads all back at the third.
            String kcatIn = IntStream.range(0, 20).mapToObj(n -> "k" + n + ":kcat-" + n).collect(Collectors.joining("\n")) + "\n";
            String produced = runWithInput(kcatIn, List.of("kcat", "-b", lab.address(2) + ":9092", "-t", "devices", "-P",
                    "-K:", "-X", "acks=all"), Duration.ofSeconds(60));
            assertThat(produced).doesNotContain("ERROR");
            // NDJSON over HTTP, as through the load balancer: the node stores every line, sending those of partitions
            // other nodes lead to their leaders.
            String ndjson = IntStream.range(0, 30).mapToObj(n -> "{\"device\":\"d" + n + "\",\"t\":" + n + "}")
                    .collect(Collectors.joining("\n")) + "\n";
            JsonNode result = postNdjson(3, "devices", ndjson);
            long stored = result.path("records").asLong();
            assertThat(stored).as(result.toString()).isEqualTo(30);
            assertThat(result.path("rejected").asLong()).as(result.toString()).isZero();
            // A topic of one partition, posted to its leader: every line stored.
            try (Admin admin = admin(1)) {
                admin.createTopics(List.of(new NewTopic("telemetry", 1, (short) 3))).all().get(30, TimeUnit.SECONDS);
                Node leader = await().atMost(Duration.ofSeconds(30)).until(() -> admin.describeTopics(List.of("telemetry"))
                        .allTopicNames().get(20, TimeUnit.SECONDS).get("telemetry").partitions().get(0).leader(), l -> l != null);
                JsonNode all = postNdjson(List.of(1, 2, 3).stream().filter(i -> lab.address(i).equals(leader.host()))
                        .findFirst().orElseThrow(), "telemetry", ndjson);
                assertThat(all.path("records").asLong()).as(all.toString()).isEqualTo(30);
            }
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                assertThat(consumeAll(1, "devices")).hasSize(20 + (int) stored).contains("kcat-0", "kcat-19");
                assertThat(consumeAll(2, "telemetry")).hasSize(30).anySatisfy(v -> assertThat(v).contains("\"device\":\"d29\""));
            });

            // Every instance read its facts with IMDSv2 tokens; discovery asked for this cluster's tag, signed with the role's key.
            assertThat(imds.served()).isGreaterThanOrEqualTo(9);
            assertThat(imds.refused()).as("metadata reads without a token").isZero();
            assertThat(ec2.requests()).isNotEmpty().allSatisfy(q -> assertThat(q)
                    .containsEntry("Filter.1.Name", "tag:strata-cluster").containsEntry("Filter.1.Value.1", CLUSTER)
                    .containsEntry("Filter.2.Name", "instance-state-name"));
            assertThat(objectKeys()).anyMatch(k -> k.contains("strata/cluster-metadata/node-ids/"))
                    .anyMatch(k -> k.contains("strata/cluster-metadata/topics/"));

            // Instance 2 loses its data directory: stop (SIGTERM, as systemd does), delete, boot again.
            long pid = Long.parseLong(Files.readString(instanceDir(2).resolve("strata.pid")).trim());
            ProcessHandle node2 = ProcessHandle.of(pid).orElseThrow();
            node2.destroy();
            node2.onExit().get(60, TimeUnit.SECONDS);
            deleteTree(instanceDir(2).resolve("var/lib/strata/data"));
            boot(2);
            try (Admin admin = admin(2)) {
                Map<String, Node> nodes = await().atMost(Duration.ofSeconds(30)).until(() -> nodesByHost(admin), n -> n.size() == 3);
                assertThat(nodes.get(lab.address(2)).id()).as("node id of the instance, generated again").isEqualTo(idsByHost.get(lab.address(2)));
                assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).contains("devices");
                awaitFullIsr(admin);
            }
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                assertThat(consumeAll(2, "devices")).hasSize(20 + (int) stored);
                assertThat(consumeAll(2, "telemetry")).hasSize(30);
            });
            assertThat(Files.readString(instanceDir(2).resolve("var/lib/strata/data/meta.properties")))
                    .contains("node.id=" + idsByHost.get(lab.address(2)));
        } catch (Throwable e) {
            for (int i : lab.nodeIds()) {
                Path log = instanceDir(i).resolve("strata.log");
                if (Files.exists(log)) {
                    List<String> lines = Files.readAllLines(log);
                    System.err.println("---- node log of instance " + i + " (last 60 lines)");
                    lines.subList(Math.max(0, lines.size() - 60), lines.size()).forEach(System.err::println);
                }
            }
            throw e;
        }
    }

    /** Renders the user data for instance {@code i} and runs it in its namespace, as cloud-init would. */
    private static void boot(int i) {
        try {
            Path dir = Files.createDirectories(instanceDir(i));
            Map<String, Object> values = UserDataScriptTest.testValues();
            values.put("cluster_name", CLUSTER);
            values.put("package_url", packageFile.toUri().toString());
            values.put("s3_endpoint", objects.endpoint());
            values.put("s3_path_style", "true");
            values.put("bucket", ObjectStoreProcess.BUCKET);
            values.put("ec2_endpoint", "http://" + lab.hostAddress() + ":" + ec2.port());
            values.put("java_options", "-Xmx320m -XX:+UseSerialGC -XX:TieredStopAtLevel=1");
            values.put("extra_environment", String.join("\n",
                    "STRATA_S3_ACCESS_KEY=" + objects.nodeEnv().get("STRATA_S3_ACCESS_KEY"),
                    "STRATA_S3_SECRET_KEY=" + objects.nodeEnv().get("STRATA_S3_SECRET_KEY"),
                    "QUARKUS_LOG_CATEGORY__COM_HAZELCAST__LEVEL=INFO"));
            values.put("data_device", "/dev/strata-test-absent");
            values.put("install_dir", dir.resolve("opt/strata").toString());
            values.put("data_dir", dir.resolve("var/lib/strata").toString());
            values.put("config_dir", dir.resolve("etc/strata").toString());
            values.put("systemd_dir", dir.resolve("etc/systemd/system").toString());
            values.put("run_user", "root");
            Path script = Files.writeString(dir.resolve("user-data.sh"), UserDataTemplate.render(UserDataTemplate.read(), values));
            List<String> command = new ArrayList<>(lab.launcher(i));
            command.addAll(List.of("env",
                    "PATH=" + shimDir + ":" + Path.of(System.getProperty("java.home"), "bin") + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                    "SYSTEMCTL_UNIT_DIR=" + dir.resolve("etc/systemd/system"),
                    "SYSTEMCTL_LOG=" + dir.resolve("strata.log"),
                    "SYSTEMCTL_PID=" + dir.resolve("strata.pid"),
                    "SYSTEMCTL_START_TIMEOUT=" + BOOT_TIMEOUT.toSeconds(),
                    "bash", script.toString()));
            String out = run(command, BOOT_TIMEOUT.plusSeconds(30));
            assertThat(out).contains("strata-bootstrap: node started and ready");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Path instanceDir(int i) {
        return WORK.resolve(instanceId(i));
    }

    private static String instanceId(int i) {
        return "i-0000000000000000" + i;
    }

    private static Admin admin(int i) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, lab.address(i) + ":9092",
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 20_000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000));
    }

    private static Map<String, Node> nodesByHost(Admin admin) throws Exception {
        Map<String, Node> byHost = new TreeMap<>();
        for (Node n : admin.describeCluster().nodes().get(20, TimeUnit.SECONDS)) {
            byHost.put(n.host(), n);
        }
        return byHost;
    }

    private static void awaitFullIsr(Admin admin) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            TopicDescription d = admin.describeTopics(List.of("devices")).allTopicNames().get(20, TimeUnit.SECONDS).get("devices");
            assertThat(d.partitions()).hasSize(3).allSatisfy(p -> assertThat(p.isr()).hasSize(3));
        });
    }

    /** Every value of the topic, read with kcat through node {@code i}. */
    private static List<String> consumeAll(int i, String topic) throws IOException {
        String out = run(List.of("kcat", "-b", lab.address(i) + ":9092", "-t", topic, "-C", "-o", "beginning", "-e",
                "-q", "-f", "%s\\n"), Duration.ofSeconds(60));
        return out.lines().filter(l -> !l.isBlank()).toList();
    }

    private static JsonNode postNdjson(int i, String topic, String body) throws Exception {
        HttpResponse<String> post = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://" + lab.address(i) + ":8080/ingest/" + topic))
                .header("Content-Type", "application/x-ndjson").timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).as(post.body()).isBetween(200, 299);
        return new ObjectMapper().readTree(post.body());
    }

    private static List<String> objectKeys() throws IOException {
        Path root = objects.dir();
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile).map(p -> root.relativize(p).toString()).toList();
        }
    }

    private static NetworkLab createLab() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
        while (true) {
            try {
                return NetworkLab.create("tfboot", 3);
            } catch (IllegalStateException e) {
                // One lab per machine: another suite may hold it for a while.
                if (System.nanoTime() > deadline || !String.valueOf(e.getMessage()).contains("another process")) {
                    throw e;
                }
                Thread.sleep(5_000);
            }
        }
    }

    private static String run(List<String> command, Duration timeout) throws IOException {
        return runWithInput(null, command, timeout);
    }

    private static String runWithInput(String input, List<String> command, Duration timeout) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (input != null) {
            p.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        });
        try {
            if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError(command + " did not finish within " + timeout + ": " + out.getNow(""));
            }
            String text = out.get(10, TimeUnit.SECONDS);
            if (p.exitValue() != 0) {
                throw new AssertionError(command + " exited " + p.exitValue() + ": " + text);
            }
            return text;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IOException(e);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }
}
