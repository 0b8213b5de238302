package io.strata.loadtests.security;

import io.strata.loadtests.ChildJvm;
import io.strata.loadtests.CpuMeter;
import io.strata.loadtests.MachineInfo;
import io.strata.loadtests.node.KafkaBroker;
import io.strata.loadtests.node.Node;
import io.strata.loadtests.node.StrataNode;
import io.strata.loadtests.tools.WarmConsumerPerformance;
import io.strata.loadtests.workload.ConsumerPerformanceRunner;
import io.strata.loadtests.workload.ProducerPerformanceRunner;
import io.strata.testsupport.Ports;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.stream.Collectors;

/**
 * What security costs: produce (1 KiB records, acks=all, kafka-tools' ProducerPerformance) and consume
 * ({@link WarmConsumerPerformance}) throughput and broker CPU per GiB over a SASL_SSL listener (SCRAM-SHA-512 over
 * TLS) next to a PLAINTEXT listener of the same node, for Strata and for Apache Kafka with the same settings
 * ({@link SecuredListeners}), in one run on one machine. Systems alternate ABBA over the repetitions; within a node
 * run the order of the two protocols alternates too, and each protocol gets an unmeasured warm-up produce first so
 * (half the measured count) so that both paths run JIT-compiled code. Each consume reads the topic its protocol's
 * produce wrote.
 *
 * <p>Usage: {@code SecurityBenchmark --repo-root DIR [--mode smoke|full] [--repetitions N] [--records N]
 * [--systems kafka,strata] [--port-base P] [--results-dir DIR]}. The report lands in
 * {@code <results>/security-<timestamp>/}, node and tool logs in {@code <results>/raw/security-<timestamp>/}.
 * Not thread-safe: one run per instance.
 */
public final class SecurityBenchmark {

    static final int RECORD_SIZE = 1024;
    static final int PARTITIONS = 3;

    /** What to run; {@code portBase} 0 takes free ports, otherwise ports from it upwards. */
    public record Options(Path repoRoot, Path resultsDir, boolean smoke, int repetitions, long records,
                          long warmupRecords, int consumeWarmupPasses, int consumePasses, List<String> systems,
                          int portBase, String nodeHeap) {

        public static Options full(Path repoRoot) {
            // 4 repetitions: each system measures each protocol first twice (the first measured produce of a node
            // run still pays for some of the broker's JIT compilation despite the warm-up)
            return new Options(repoRoot, repoRoot.resolve("load-tests/results"), false, 4, 400_000, 200_000, 3, 3,
                    SecurityReport.SYSTEMS, 0, "1g");
        }

        public static Options smoke(Path repoRoot, Path resultsDir) {
            return new Options(repoRoot, resultsDir, true, 1, 5_000, 0, 0, 1, SecurityReport.SYSTEMS, 0, "512m");
        }
    }

    private final Options o;
    private final SecurityReport report = new SecurityReport();
    private ChildJvm jvm;
    private Path rawDir;
    private Path log4jTools;
    private SecuredListeners listeners;
    private int nextPort;

    private SecurityBenchmark(Options o) {
        this.o = o;
        this.nextPort = o.portBase();
    }

    public static void main(String[] args) throws Exception {
        Path repo = Paths.get(".");
        String mode = "full";
        Integer reps = null;
        Long records = null;
        List<String> systems = null;
        int portBase = 0;
        Path results = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--repo-root" -> repo = Paths.get(args[++i]);
                case "--mode" -> mode = args[++i];
                case "--repetitions" -> reps = Integer.parseInt(args[++i]);
                case "--records" -> records = Long.parseLong(args[++i]);
                case "--systems" -> systems = List.of(args[++i].split(","));
                case "--port-base" -> portBase = Integer.parseInt(args[++i]);
                case "--results-dir" -> results = Paths.get(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i] + " (see the class comment)");
            }
        }
        repo = repo.toAbsolutePath().normalize();
        Options o = switch (mode) {
            case "full" -> Options.full(repo);
            case "smoke" -> Options.smoke(repo, repo.resolve("load-tests/results"));
            default -> throw new IllegalArgumentException("unknown mode " + mode);
        };
        o = new Options(o.repoRoot(), results != null ? results.toAbsolutePath() : o.resultsDir(), o.smoke(),
                reps != null ? reps : o.repetitions(), records != null ? records : o.records(),
                records != null && !o.smoke() ? records / 2 : o.warmupRecords(), o.consumeWarmupPasses(),
                o.consumePasses(), systems != null ? systems : o.systems(), portBase, o.nodeHeap());
        Path dir = run(o);
        System.out.println("Report: " + dir.resolve("report.md"));
    }

    /** Runs the benchmark and writes the report; returns the report's folder. */
    public static Path run(Options o) throws Exception {
        return new SecurityBenchmark(o).run();
    }

    private Path run() throws Exception {
        long t0 = System.nanoTime();
        String loadBefore = MachineInfo.loadAverage();
        String ts = ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path reportDir = Files.createDirectories(o.resultsDir().resolve("security-" + ts));
        rawDir = Files.createDirectories(o.resultsDir().resolve("raw").resolve("security-" + ts));
        jvm = new ChildJvm(Paths.get(System.getProperty("java.home"), "bin", "java"),
                System.getProperty("bench.classpath", System.getProperty("java.class.path")));
        log4jTools = rawDir.resolve("log4j2-tools.xml");
        try (InputStream in = SecurityBenchmark.class.getResourceAsStream("/log4j2-tools.xml")) {
            Files.copy(in, log4jTools);
        }
        listeners = new SecuredListeners(BenchCertificates.create(rawDir.resolve("certs")));
        Path jar = o.repoRoot().resolve("ingest/target/quarkus-app/quarkus-run.jar").toAbsolutePath();

        for (int rep = 1; rep <= o.repetitions(); rep++) {
            List<String> systems = new ArrayList<>(o.systems());
            List<String> protocols = new ArrayList<>(SecuredListeners.PROTOCOLS);
            if (rep % 2 == 0) {
                Collections.reverse(systems);
                Collections.reverse(protocols);
            }
            for (String system : systems) {
                nodeRun(system, rep, protocols, jar);
            }
        }

        Map<String, String> info = report.info();
        info.put("time (UTC)", ts);
        info.put("mode", o.smoke() ? "smoke" : "full");
        info.put("repetitions", Integer.toString(o.repetitions()));
        info.put("records per measured produce", o.records() + " of " + RECORD_SIZE + " B, acks=all, into "
                + PARTITIONS + " partitions");
        info.put("warm-up produce per protocol (not measured)", Long.toString(o.warmupRecords()));
        info.put("consume passes", o.consumeWarmupPasses() + " warm-up, median of " + o.consumePasses() + " measured");
        info.put("elapsed", String.format(Locale.ROOT, "%.1f min", (System.nanoTime() - t0) / 60e9));
        info.put("load average before / after", loadBefore + " / " + MachineInfo.loadAverage());
        MachineInfo.describe(rawDir).forEach((k, v) -> info.put("machine: " + k,
                v.replace(o.resultsDir().toString(), "<results>")));
        Map<String, String> s = report.settings();
        s.put("node JVM (both)", String.join(" ", nodeJvmArgs()));
        s.put("client tool JVM", String.join(" ", toolJvmArgs()).replace(rawDir.toString(), "<raw logs>"));
        s.put("Kafka server properties (over the harness's single-node defaults)",
                redacted(listeners.kafkaProperties(1, 2, 3)));
        s.put("Strata environment (over the harness's defaults)", redacted(listeners.strataEnv(1, 2)));
        s.put("SASL_SSL client properties", redacted(listeners.clientProperties("SASL_SSL")));
        s.put("producer", "ProducerPerformance --record-size " + RECORD_SIZE + " --throughput -1, acks=all, "
                + "otherwise producer defaults");
        report.notes().addAll(List.of(
                "Both systems serve the same self-signed EC P-256 certificate; TLS version and cipher suites are the "
                        + "brokers' defaults, and the clients and brokers run on the same JVM, so both negotiate the "
                        + "same session (see the node runs table).",
                "Broker CPU per GiB is the broker process's CPU time (user + system, /proc) per GiB of record "
                        + "payload: for produce over the whole ProducerPerformance run, for consume over each "
                        + "measured pass (median).",
                "Everything (broker, client tool) shares the machine's cores with other work on the machine; "
                        + "compare ratios from the same run, not absolute numbers across runs.",
                "Strata sends fetched log segments with sendfile on PLAINTEXT listeners; on SASL_SSL it reads them "
                        + "and encrypts in the JVM, as Kafka does on its TLS listeners."));
        report.writeJson(reportDir.resolve("report.json"));
        report.writeMarkdown(reportDir.resolve("report.md"));
        say("done in %.1f min, %d failure(s): %s", (System.nanoTime() - t0) / 60e9, report.failures().size(),
                reportDir.resolve("report.md"));
        return reportDir;
    }

    private static String redacted(Map<String, String> m) {
        return m.entrySet().stream().map(e -> e.getKey() + "=" + (e.getKey().toLowerCase(Locale.ROOT).contains("password")
                        || e.getKey().contains("USERS") ? "***" : e.getValue().replaceAll("password=\"[^\"]*\"", "password=\"***\"")
                        .replaceAll(":\\d+\\b", ":<port>").replaceAll("/\\S*/certs/", "")))
                .collect(Collectors.joining(" "));
    }

    private int port() {
        return o.portBase() > 0 ? nextPort++ : Ports.free();
    }

    private List<String> nodeJvmArgs() {
        // the same flags as the main harness's nodes (Kafka's shipped G1 settings)
        return List.of("-Xms" + o.nodeHeap(), "-Xmx" + o.nodeHeap(), "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20",
                "-XX:InitiatingHeapOccupancyPercent=35", "-XX:+ExplicitGCInvokesConcurrent", "-Djava.awt.headless=true");
    }

    private List<String> toolJvmArgs() {
        return List.of("-Xms512m", "-Xmx512m", "-XX:+UseG1GC", "-Djava.awt.headless=true",
                "-Dlog4j2.configurationFile=" + log4jTools);
    }

    // ------------------------------------------------------------------ one node run

    private void nodeRun(String system, int rep, List<String> protocols, Path jar) throws Exception {
        String runId = system + "-" + rep;
        Path dir = rawDir.resolve(runId);
        Node.Spec spec = new Node.Spec(jvm, nodeJvmArgs(), dir.resolve("data"), dir.resolve("node.log"),
                Node.Durability.PAGE_CACHE, PARTITIONS, Duration.ofSeconds(o.smoke() ? 60 : 120));
        int plain = port();
        int secured = port();
        int other = port(); // Kafka's controller, Strata's HTTP
        Node node = system.equals("kafka")
                ? new KafkaBroker(spec, plain, other, listeners.kafkaProperties(plain, secured, other))
                : new StrataNode(spec, jar, plain, other, listeners.strataEnv(plain, secured));
        Map<String, String> bootstrap = Map.of("PLAINTEXT", "127.0.0.1:" + plain, "SASL_SSL", "127.0.0.1:" + secured);
        try (node) {
            say("%s repetition %d: starting (%s)", system, rep, String.join(" then ", protocols));
            node.start();
            if (system.equals("kafka")) {
                SecuredListeners.createKafkaUser(node.bootstrap());
            }
            listeners.awaitAuthenticated(bootstrap.get("SASL_SSL"), Duration.ofSeconds(60));
            String tls = listeners.negotiated(secured);
            Map<String, Path> clientConfig = new java.util.HashMap<>();
            try (Admin admin = Node.admin(node.bootstrap(), 15_000)) {
                List<NewTopic> topics = new ArrayList<>();
                for (String protocol : protocols) {
                    Path file = dir.resolve("client-" + protocol + ".properties");
                    Files.writeString(file, listeners.clientProperties(protocol).entrySet().stream()
                            .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining("\n", "", "\n")));
                    clientConfig.put(protocol, file);
                    topics.add(new NewTopic(topic(protocol), PARTITIONS, (short) 1));
                    topics.add(new NewTopic("warmup-" + topic(protocol), PARTITIONS, (short) 1));
                }
                admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
            }
            CpuMeter.Sample before = CpuMeter.sample(node.pids());
            if (o.warmupRecords() > 0) {
                for (String protocol : protocols) {
                    String failure = produce(node, dir, "warmup-" + topic(protocol), o.warmupRecords(),
                            bootstrap.get(protocol), clientConfig.get(protocol), system, rep, protocol, false);
                    if (failure != null) {
                        report.add(new SecurityReport.Failure(system, rep, protocol, "warm-up produce", failure));
                    }
                }
            }
            for (String protocol : protocols) {
                String failure = produce(node, dir, topic(protocol), o.records(), bootstrap.get(protocol),
                        clientConfig.get(protocol), system, rep, protocol, true);
                if (failure != null) {
                    report.add(new SecurityReport.Failure(system, rep, protocol, "produce", failure));
                }
            }
            for (String protocol : protocols) {
                String failure = consume(node, dir, bootstrap.get(protocol), clientConfig.get(protocol), system, rep,
                        protocol);
                if (failure != null) {
                    report.add(new SecurityReport.Failure(system, rep, protocol, "consume", failure));
                }
            }
            double foreign = CpuMeter.foreignCores(before, CpuMeter.sample(node.pids()), CpuMeter.TICKS_PER_SECOND);
            report.add(new SecurityReport.NodeRun(system, rep, protocols, tls, foreign, node.startupMs()));
        } catch (Exception e) {
            report.add(new SecurityReport.Failure(system, rep, "-", "node", e.toString()));
            say("%s repetition %d failed: %s", system, rep, e);
        } finally {
            deleteTree(dir.resolve("data"));
        }
    }

    private static String topic(String protocol) {
        return "bench-" + protocol.toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** One ProducerPerformance run; returns null or what failed. */
    private String produce(Node node, Path dir, String topic, long records, String bootstrap, Path config,
                           String system, int rep, String protocol, boolean measured) throws Exception {
        List<String> args = List.of("--topic", topic, "--num-records", Long.toString(records),
                "--record-size", Integer.toString(RECORD_SIZE), "--throughput", "-1",
                "--command-config", config.toString(),
                "--command-property", "bootstrap.servers=" + bootstrap, "acks=all", "client.id=producer-performance");
        double cpuBefore = CpuMeter.processCpuSeconds(node.pids());
        ChildJvm.Outcome out = ChildJvm.run(jvm.command(toolJvmArgs(), "org.apache.kafka.tools.ProducerPerformance",
                args), Map.of(), dir, dir.resolve(topic + ".log"), Duration.ofSeconds(o.smoke() ? 60 : 300));
        double brokerCpu = CpuMeter.processCpuSeconds(node.pids()) - cpuBefore;
        if (out.timedOut()) {
            return "timed out after " + out.elapsedMs() / 1000 + " s\n" + out.tail(10);
        }
        String summary = ProducerPerformanceRunner.lastSummary(out.output());
        if (out.exitCode() != 0 || summary == null) {
            return "ProducerPerformance exited " + out.exitCode() + "\n" + out.tail(15);
        }
        String clientError = ProducerPerformanceRunner.firstClientError(out.output());
        if (clientError != null) {
            return "ProducerPerformance reported send errors: " + clientError;
        }
        long stored = ProducerPerformanceRunner.endOffsetSum(node, topic);
        if (stored != records) {
            return "the topic's end offsets add up to " + stored + ", expected " + records;
        }
        if (!measured) {
            return null;
        }
        Matcher s = ProducerPerformanceRunner.SUMMARY.matcher(summary);
        s.matches();
        double recPerSec = Double.parseDouble(s.group(2));
        double mib = recPerSec * RECORD_SIZE / (1024.0 * 1024.0);
        double cpuPerGiB = CpuMeter.secondsPerGiB(brokerCpu, (double) records * RECORD_SIZE);
        double p99 = Double.parseDouble(s.group(8));
        report.add(new SecurityReport.Measurement(system, rep, protocol, "produce", mib, recPerSec, cpuPerGiB, p99));
        say("%s repetition %d %-9s produce %.1f MiB/s, p99 %.0f ms, broker %.1f CPU s/GiB", system, rep, protocol,
                mib, p99, cpuPerGiB);
        return null;
    }

    /** Warm consumer passes over the topic the protocol's produce wrote; returns null or what failed. */
    private String consume(Node node, Path dir, String bootstrap, Path config, String system, int rep,
                           String protocol) throws Exception {
        long expected = o.records();
        List<String> args = List.of("--group", "bench-" + protocol + "-" + System.nanoTime(),
                "--warmup-passes", Integer.toString(o.consumeWarmupPasses()),
                "--passes", Integer.toString(o.consumePasses()),
                "--broker-pids", node.pids().stream().map(String::valueOf).collect(Collectors.joining(",")),
                "--bootstrap-server", bootstrap, "--topic", topic(protocol), "--num-records", Long.toString(expected),
                "--command-config", config.toString(), "--timeout", o.smoke() ? "30000" : "120000", "--hide-header");
        ChildJvm.Outcome out = ChildJvm.run(jvm.command(toolJvmArgs(), WarmConsumerPerformance.class.getName(), args),
                Map.of(), dir, dir.resolve("consume-" + protocol + ".log"),
                Duration.ofSeconds(o.smoke() ? 60 : 120L * (o.consumeWarmupPasses() + o.consumePasses())));
        if (out.timedOut()) {
            return "timed out after " + out.elapsedMs() / 1000 + " s\n" + out.tail(10);
        }
        if (out.exitCode() != 0) {
            return "WarmConsumerPerformance exited " + out.exitCode() + "\n" + out.tail(15);
        }
        List<Double> rates = new ArrayList<>();
        List<Double> cpuPerGiB = new ArrayList<>();
        for (String pass : out.output().split("(?m)^# pass ")) {
            if (!ConsumerPerformanceRunner.MEASURED.matcher(pass).lookingAt()) {
                continue;
            }
            Matcher r = ConsumerPerformanceRunner.RESULT.matcher(pass);
            Matcher cpu = ConsumerPerformanceRunner.BROKER_CPU.matcher(pass);
            if (!r.find() || !cpu.find()) {
                return "no result or broker CPU for a measured pass\n" + out.tail(15);
            }
            long read = Long.parseLong(r.group(3));
            if (read != expected) {
                return "read " + read + " records, expected " + expected;
            }
            rates.add(Double.parseDouble(r.group(8)));
            cpuPerGiB.add(CpuMeter.secondsPerGiB(Double.parseDouble(cpu.group(1)), (double) read * RECORD_SIZE));
        }
        if (rates.size() != o.consumePasses()) {
            return rates.size() + " measured passes, expected " + o.consumePasses() + "\n" + out.tail(15);
        }
        double recPerSec = io.strata.loadtests.report.Stats.of(rates).median();
        double cpu = io.strata.loadtests.report.Stats.of(cpuPerGiB).median();
        double mib = recPerSec * RECORD_SIZE / (1024.0 * 1024.0);
        report.add(new SecurityReport.Measurement(system, rep, protocol, "consume", mib, recPerSec, cpu, Double.NaN));
        say("%s repetition %d %-9s consume %.1f MiB/s, broker %.1f CPU s/GiB", system, rep, protocol, mib, cpu);
        return null;
    }

    private static void say(String fmt, Object... args) {
        System.out.printf(Locale.ROOT, "[security-bench %tT] %s%n", System.currentTimeMillis(),
                String.format(Locale.ROOT, fmt, args));
        System.out.flush();
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
