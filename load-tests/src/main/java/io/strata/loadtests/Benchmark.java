package io.strata.loadtests;

import io.strata.loadtests.Plan.Kind;
import io.strata.loadtests.Plan.Variant;
import io.strata.loadtests.Plan.Workload;
import io.strata.loadtests.limits.PhysicalLimits;
import io.strata.loadtests.node.KafkaBroker;
import io.strata.loadtests.node.Node;
import io.strata.loadtests.node.NodeCluster;
import io.strata.loadtests.node.StrataNode;
import io.strata.loadtests.node.SystemUnderTest;
import io.strata.loadtests.partitions.ManyPartitionsVariant;
import io.strata.loadtests.report.BeforeAfter;
import io.strata.loadtests.report.Charts;
import io.strata.loadtests.report.ReportWriter;
import io.strata.loadtests.report.Results;
import io.strata.loadtests.report.Results.MetricDef;
import io.strata.loadtests.report.RunInfo;
import io.strata.loadtests.workload.ConsumerPerformanceRunner;
import io.strata.loadtests.workload.FixedRateLatencyRunner;
import io.strata.loadtests.workload.NdjsonIngestRunner;
import io.strata.loadtests.workload.ProducerPerformanceRunner;
import io.strata.loadtests.workload.WorkloadRunner;
import io.strata.testsupport.ObjectStoreProcess;
import io.strata.testsupport.Ports;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Runs the same workloads against Apache Kafka and Strata, one system at a time (a node, or a cluster of nodes in
 * the cluster variant), and writes a report.
 */
@Command(name = "run-benchmark", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Benchmark a Strata node side by side with Apache Kafka " + KafkaBroker.VERSION
                + " on this machine, in one run, and write report.md, report.json and charts.")
public final class Benchmark implements Callable<Integer> {

    @Option(names = "--mode", defaultValue = "full", description = "full or smoke (tiny counts). Default: ${DEFAULT-VALUE}.")
    String mode;

    @Option(names = "--repetitions", description = "Repetitions per system (default: 3 full, 1 smoke).")
    Integer repetitions;

    @Option(names = "--systems", split = ",", defaultValue = "kafka,strata", description = "Default: ${DEFAULT-VALUE}.")
    List<String> systems;

    @Option(names = "--variants", split = ",", description = "Variants: default, flush-every-batch, cluster "
            + "(3 nodes per system, replication factor 3). Default: all.")
    List<String> variants;

    @Option(names = "--workloads", split = ",", description = "Only these workload ids (node is always run, in the "
            + "variants that have one of them, or in all when node is listed).")
    List<String> onlyWorkloads;

    @Option(names = "--repo-root", description = "Repository root (default: found from the working directory).")
    Path repoRoot;

    @Option(names = "--strata-jar", description = "Packaged Strata node (default: <repo>/ingest/target/quarkus-app/quarkus-run.jar).")
    Path strataJar;

    @Option(names = "--results-dir", description = "Where report folders go (default: <repo>/load-tests/results).")
    Path resultsDir;

    @Option(names = "--node-heap", defaultValue = "1g", description = "Heap of both nodes (-Xms/-Xmx). Default: ${DEFAULT-VALUE}.")
    String nodeHeap;

    @Option(names = "--tool-heap", defaultValue = "512m", description = "Heap of the client tools. Default: ${DEFAULT-VALUE}.")
    String toolHeap;

    @Option(names = "--strata-launcher", description = "Start Strata with this launcher (bin/strata) instead of "
            + "java -jar: it picks the JVM (JAVA_HOME, else the fastest-starting JDK it finds) and uses its AOT cache.")
    Path strataLauncher;

    @Option(names = "--strata-jvm-arg", description = "Extra JVM argument for the Strata node (repeatable).")
    List<String> strataJvmArgs = new ArrayList<>();

    @Option(names = "--port-base", defaultValue = "0",
            description = "Kafka uses base and base+1 (controller), Strata base+2 (Kafka API) and base+3 (HTTP); "
                    + "clusters use base+10 up to base+29. Default 0: free ports are chosen for every node start.")
    int portBase;

    @Option(names = "--java", description = "java binary for every child JVM (default: the one running this).")
    Path java;

    @Option(names = "--classpath", description = "Classpath of the broker and tool JVMs (default: system property "
            + "bench.classpath, else this JVM's class path).")
    String classpath;

    @Option(names = "--partitions", negatable = true, description = "Run the `partitions` variant (a group read of "
            + "1,000 partitions, a node holding 10,000; smoke: 100 and 1,000). Default: on when neither --variants nor "
            + "--workloads is given, or when --variants names partitions.")
    Boolean partitions;

    @Option(names = "--partitions-repetitions", description = "Repetitions per system of the partitions variant "
            + "(default: 2 full, 1 smoke; each holds a node with 10,000 partitions and restarts it).")
    Integer partitionsRepetitions;

    @Option(names = "--baseline", split = ",", description = "report.json of earlier runs, newest first: the report then "
            + "gets a before/after table of the Strata/Kafka ratios (before-after.md).")
    List<Path> baseline;

    @Option(names = "--skip-limits", description = "Do not measure disk and loopback limits.")
    boolean skipLimits;

    @Option(names = "--node-start-timeout-s", defaultValue = "120",
            description = "Start timeout of a node; a cluster gets twice as long. Default: ${DEFAULT-VALUE}.")
    int nodeStartTimeoutS;

    private static final Map<Kind, WorkloadRunner> RUNNERS = Map.of(
            Kind.PRODUCE, new ProducerPerformanceRunner(),
            Kind.CONSUME, new ConsumerPerformanceRunner(),
            Kind.LATENCY, new FixedRateLatencyRunner(),
            Kind.INGEST, new NdjsonIngestRunner());

    private Plan plan;
    private ChildJvm jvm;
    private Path rawDir;
    private Path log4jTools;
    private final Results results = new Results();
    private final Map<String, Map<String, String>> nodeSettings = new LinkedHashMap<>();
    private Path reportDir;
    private Path repoRootUsed;
    private String buildDescription;

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        System.exit(new CommandLine(new Benchmark()).execute(args));
    }

    /** The report folder of the last run. */
    public Path reportDir() {
        return reportDir;
    }

    @Override
    public Integer call() throws Exception {
        System.setProperty("java.awt.headless", "true");
        long runStart = System.nanoTime();
        String loadBefore = MachineInfo.loadAverage();
        plan = switch (mode) {
            case "full" -> Plan.full();
            case "smoke" -> Plan.smoke();
            default -> throw new CommandLine.ParameterException(new CommandLine(this), "unknown mode " + mode);
        };
        int reps = repetitions != null ? repetitions : plan.repetitions();
        for (String s : systems) {
            if (!Results.SYSTEMS.contains(s)) {
                throw new CommandLine.ParameterException(new CommandLine(this), "unknown system " + s);
            }
        }
        List<Variant> runVariants = plan.variants().values().stream()
                .filter(v -> variants == null || variants.contains(v.id()))
                .map(v -> new Variant(v.id(), v.durability(), v.description(), v.workloads().stream()
                        .filter(w -> onlyWorkloads == null || w.kind() == Kind.NODE || onlyWorkloads.contains(w.id())
                                || (w.kind() == Kind.PRODUCE && onlyWorkloads.stream().anyMatch(o ->
                                v.workloads().stream().anyMatch(c -> c.id().equals(o) && w.id().equals(c.source())))))
                        .toList(), v.replication()))
                // A variant left with its node workload alone is not worth starting its nodes for (three of each
                // system in the cluster variant), unless node itself was asked for.
                .filter(v -> onlyWorkloads == null || onlyWorkloads.contains("node")
                        || v.workloads().stream().anyMatch(w -> w.kind() != Kind.NODE))
                .toList();
        boolean runPartitions = partitions != null ? partitions
                : variants == null ? onlyWorkloads == null : variants.contains(ManyPartitionsVariant.ID);
        ManyPartitionsVariant manyPartitions = runPartitions ? new ManyPartitionsVariant(
                mode.equals("smoke") ? ManyPartitionsVariant.Sizes.smoke() : ManyPartitionsVariant.Sizes.full()) : null;
        if (runVariants.isEmpty() && manyPartitions == null) {
            throw new CommandLine.ParameterException(new CommandLine(this), "no workload matches --variants "
                    + variants + " --workloads " + onlyWorkloads);
        }

        Path root = repoRoot != null ? repoRoot.toAbsolutePath().normalize() : findRepoRoot();
        repoRootUsed = root;
        // Read before the run: the tree may move on while it measures the build made from it.
        buildDescription = gitDescription(root);
        Path jar = strataJar != null ? strataJar.toAbsolutePath() : root.resolve("ingest/target/quarkus-app/quarkus-run.jar");
        Path results0 = resultsDir != null ? resultsDir.toAbsolutePath() : root.resolve("load-tests/results");
        String ts = ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        reportDir = results0.resolve(ts);
        rawDir = results0.resolve("raw").resolve(ts);
        Files.createDirectories(reportDir);
        Files.createDirectories(rawDir);
        Path javaBin = java != null ? java : Path.of(System.getProperty("java.home"), "bin", "java");
        String cp = classpath != null ? classpath
                : System.getProperty("bench.classpath", System.getProperty("java.class.path"));
        jvm = new ChildJvm(javaBin, cp);
        log4jTools = extract("log4j2-tools.xml");

        say("Benchmark %s, %d repetition(s), systems %s; report in %s, raw logs in %s", mode, reps, systems,
                reportDir, rawDir);

        for (Variant v : runVariants) {
            for (Workload w : v.workloads()) {
                Plan.metrics(v, w).forEach(results::define);
            }
        }

        if (!skipLimits) {
            measureLimits();
        }

        for (Variant v : runVariants) {
            for (int rep = 1; rep <= reps; rep++) {
                List<String> order = new ArrayList<>(systems);
                if (rep % 2 == 0) {
                    Collections.reverse(order);
                }
                for (String system : order) {
                    runOne(v, rep, system, jar);
                }
            }
        }

        if (manyPartitions != null) {
            manyPartitions.run(results, systems, partitionsRepetitions != null ? partitionsRepetitions
                    : mode.equals("smoke") ? 1 : 2, jar, rawDir, line -> say("%s", line));
        }

        double elapsed = (System.nanoTime() - runStart) / 1e9;
        Map<String, String> machine = MachineInfo.describe(rawDir);
        machine.put("load average (1, 5, 15 min) before / after the run", loadBefore + " / " + MachineInfo.loadAverage());
        Map<String, String> variantDescriptions = runVariants.stream().collect(Collectors.toMap(Variant::id,
                Variant::description, (a, b) -> a, LinkedHashMap::new));
        if (manyPartitions != null) {
            variantDescriptions.put(ManyPartitionsVariant.ID, manyPartitions.description());
        }
        RunInfo info = new RunInfo(ts, mode, reps, elapsed, machine, settings(javaBin, jar), variantDescriptions,
                runVariants.stream().flatMap(v -> v.workloads().stream().filter(w -> w.kind() != Kind.NODE)
                        .map(w -> "`" + v.id() + "` " + w.describe())).toList(),
                notes(runVariants));
        ReportWriter writer = new ReportWriter(info, results);
        List<String> images = Charts.write(results, reportDir);
        writer.writeJson(reportDir.resolve("report.json"));
        writer.writeMarkdown(reportDir.resolve("report.md"), images);
        if (baseline != null) {
            BeforeAfter.write(baseline, reportDir.resolve("report.json"), reportDir.resolve("before-after.md"));
        }
        deleteTree(rawDir.resolve("data"));
        say("Done in %.1f min: %s", elapsed / 60, reportDir.resolve("report.md"));
        say("%d failure(s)", results.failures().size());
        return 0;
    }

    private List<String> notes(List<Variant> runVariants) {
        List<String> notes = new ArrayList<>(List.of(
                "Consumer throughput is ConsumerPerformance's fetch rate (records fetched over fetch time, the group "
                        + "join left out); the data was produced just before, so it is read from the page cache.",
                "Latency uses the harness's FixedRateLatency rather than EndToEndLatency, which measures one record "
                        + "at a time in a closed loop instead of at a fixed rate.",
                "Latency is receive time minus the scheduled send time (no coordinated omission), producer and "
                        + "consumer in one JVM; consumer defaults fetch.min.bytes=1, fetch.max.wait.ms=500.",
                "Startup to ready: Kafka from JVM launch (storage already formatted) until an Admin client sees "
                        + "the broker; Strata from JVM launch until /q/health/ready is 200 and an Admin client sees "
                        + "the broker.",
                "Client tools run in their own JVM (-Xmx" + toolHeap + ") on the same 2 cores as the node, so client "
                        + "CPU competes with the broker in every workload, equally for both systems.",
                "'CPU used by other processes' is the machine's busy CPU time during a node's workloads minus "
                        + "the time of the node, the harness and its tools (from /proc, in cores out of "
                        + Runtime.getRuntime().availableProcessors() + "): it shows how quiet the machine was, "
                        + "not a property of the system under test.",
                "Producer throughput is compared with the disk's sequential write with one fdatasync at the end; "
                        + "the flush-every-batch variant with writes of the producer's batch size each followed by "
                        + "fdatasync; consumer throughput with one loopback TCP stream."));
        if (runVariants.stream().anyMatch(Variant::cluster)) {
            notes.add("The `cluster` variant runs all nodes of a system, and the client, on this one machine: they "
                    + "share its cores and its disk, which takes every record once per replica. It measures what "
                    + "replication costs on the same hardware, not the capacity of a cluster of separate machines. "
                    + "Its startup time runs from the first node's launch until every node is ready and an Admin "
                    + "client sees all of them as brokers; its memory is the sum over the nodes. Strata's shared "
                    + "S3Proxy is started before the nodes and counted in neither (its CPU is counted as the system's).");
        }
        return notes;
    }

    private Map<String, Object> settings(Path javaBin, Path jar) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("kafkaVersion", KafkaBroker.VERSION);
        s.put("strata build", buildDescription);
        s.put("node JVM (both)", nodeJvmArgs());
        s.put("client tool JVM", toolJvmArgs());
        s.put("java", javaBin.toString());
        s.put("partitions per topic", plan.partitions());
        s.put("replication", "1 on a single node; the `cluster` variant's as described with it");
        s.put("producer settings", "kafka-clients 4.4.0 defaults (linger.ms=5, batch.size=16384, no compression) "
                + "plus acks as per workload");
        nodeSettings.forEach((k, v) -> s.put(k, v));
        if (nodeSettings.keySet().stream().noneMatch(k -> k.startsWith("strata"))) {
            s.put("strata jar", jar.toString());
        }
        return s;
    }

    // ---------------------------------------------------------------- limits

    private void measureLimits() {
        Plan.Limits l = plan.limits();
        Path dir = rawDir.resolve("data").resolve("limits");
        Results.Limit buffered = results.limit("disk-buffered-write", "disk sequential write, page cache (no sync)", "MiB/s");
        Results.Limit seq = results.limit("disk-write-then-sync", "disk sequential write, 1 MiB writes + fdatasync at end", "MiB/s");
        Results.Limit sync = results.limit("disk-sync-every-write",
                "disk write of " + l.syncChunkBytes() / 1024 + " KiB + fdatasync, repeated", "MiB/s");
        Results.Limit syncRate = results.limit("disk-syncs-per-second",
                "fdatasync rate (" + l.syncChunkBytes() / 1024 + " KiB writes)", "syncs/s");
        Results.Limit loop = results.limit("loopback-tcp", "loopback TCP, one stream, 64 KiB writes", "MiB/s");
        buffered.details.put("bytes", l.seqWriteBytes());
        seq.details.put("bytes", l.seqWriteBytes());
        try {
            PhysicalLimits.warmUp(dir, l.seqWriteBytes());
            for (int i = 0; i < l.repetitions(); i++) {
                buffered.samples.add(PhysicalLimits.bufferedWrite(dir, l.seqWriteBytes()));
                seq.samples.add(PhysicalLimits.writeThenSync(dir, l.seqWriteBytes()));
                PhysicalLimits.SyncedWrites sw = PhysicalLimits.syncEveryWrite(dir, l.syncChunkBytes(),
                        l.seqWriteBytes(), l.syncSeconds());
                sync.samples.add(sw.mibPerSec());
                syncRate.samples.add(sw.syncsPerSec());
                loop.samples.add(PhysicalLimits.loopbackTcp(l.loopbackSeconds()));
            }
            say("Limits: disk page cache %.0f MiB/s, write+sync %.0f MiB/s, sync every %d KiB %.1f MiB/s (%.0f syncs/s), "
                            + "loopback %.0f MiB/s", buffered.stats().median(), seq.stats().median(),
                    l.syncChunkBytes() / 1024, sync.stats().median(), syncRate.stats().median(), loop.stats().median());
        } catch (Exception e) {
            say("Limit measurement failed: %s", e);
        } finally {
            deleteTree(dir);
        }
    }

    // ---------------------------------------------------------------- one node run

    private List<String> nodeJvmArgs() {
        return List.of("-Xms" + nodeHeap, "-Xmx" + nodeHeap, "-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20",
                "-XX:InitiatingHeapOccupancyPercent=35", "-XX:+ExplicitGCInvokesConcurrent", "-Djava.awt.headless=true");
    }

    private List<String> toolJvmArgs() {
        return List.of("-Xms" + toolHeap, "-Xmx" + toolHeap, "-XX:+UseG1GC", "-Djava.awt.headless=true",
                "-Dlog4j2.configurationFile=" + log4jTools);
    }

    private Node.Spec spec(Variant v, String system, Path dataDir, Path logFile) {
        return new Node.Spec(jvm, system.equals("strata")
                ? Stream.concat(nodeJvmArgs().stream(), strataJvmArgs.stream()).toList() : nodeJvmArgs(),
                dataDir, logFile, v.durability(), plan.partitions(), startTimeout(v));
    }

    /** Three nodes starting at once on 2 cores take several times as long as one (Hazelcast join, KRaft election). */
    private Duration startTimeout(Variant v) {
        return Duration.ofSeconds(v.cluster() ? 2L * nodeStartTimeoutS : nodeStartTimeoutS);
    }

    private SystemUnderTest singleNode(Variant v, String system, Path dataDir, Path logDir, Path jar)
            throws IOException {
        Node.Spec spec = spec(v, system, dataDir, logDir.resolve(system + "-node.log"));
        int[] ports = portBase > 0 ? new int[] {portBase, portBase + 1, portBase + 2, portBase + 3} : freePorts(4);
        return system.equals("kafka")
                ? new KafkaBroker(spec, ports[0], ports[1])
                : new StrataNode(spec, jar, ports[2], ports[3], Map.of(),
                        strataLauncher == null ? null : strataLauncher.toAbsolutePath());
    }

    /**
     * Kafka: combined broker+controller nodes, every one a voter of the KRaft quorum. Strata: members that list
     * each other, share one metadata directory and one object store (a multi-node cluster refuses per-node
     * embedded stores).
     */
    private SystemUnderTest cluster(Variant v, String system, Path dataDir, Path logDir, Path jar) throws IOException {
        int n = v.replication().nodes();
        int[] ports = portBase > 0 ? IntStream.range(portBase + 10, portBase + 30).toArray()
                : freePorts(3 * n + 1);
        List<Node> nodes = new ArrayList<>();
        if (system.equals("kafka")) {
            int[] controllerPorts = new int[n];
            for (int i = 0; i < n; i++) {
                controllerPorts[i] = ports[2 * i + 1];
            }
            String voters = KafkaBroker.voters(controllerPorts);
            String clusterId = Uuid.randomUuid().toString();
            for (int i = 0; i < n; i++) {
                nodes.add(new KafkaBroker(spec(v, system, dataDir.resolve("node-" + (i + 1)),
                        logDir.resolve("kafka-node-" + (i + 1) + ".log")), i + 1, ports[2 * i], controllerPorts[i],
                        voters, clusterId, n));
            }
            return new NodeCluster(nodes, null, startTimeout(v));
        }
        ObjectStoreProcess store = ObjectStoreProcess.builder(dataDir.resolve("objects")).port(ports[3 * n])
                .logFile(logDir.resolve("s3proxy.log")).java(jvm.java())
                .nodeLibDir(jar.resolveSibling("lib").resolve("main")).build();
        List<String> members = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            members.add("127.0.0.1:" + ports[3 * i + 2]);
        }
        for (int i = 0; i < n; i++) {
            Map<String, String> env = new LinkedHashMap<>();
            env.put("STRATA_NODE_ID", Integer.toString(i + 1));
            env.put("STRATA_CLUSTER_PORT", Integer.toString(ports[3 * i + 2]));
            env.put("STRATA_CLUSTER_MEMBERS", String.join(",", members));
            env.put("STRATA_CLUSTER_METADATA_DIR", dataDir.resolve("cluster-metadata").toString());
            env.putAll(store.nodeEnv());
            nodes.add(new StrataNode(spec(v, system, dataDir.resolve("node-" + (i + 1)),
                    logDir.resolve("strata-node-" + (i + 1) + ".log")), jar, ports[3 * i], ports[3 * i + 1], env));
        }
        return new NodeCluster(nodes, store, startTimeout(v));
    }

    /**
     * One start of a Strata node through the repository's launcher ({@code bin/strata}, or {@code --strata-launcher}),
     * on a fresh data directory, stopped once ready; the node under measurement stays up meanwhile, as another
     * process on the machine. 0 when the launcher is missing or the node did not start (the reason is printed).
     */
    private long launcherStartupMs(Variant v, Path jar, Path logDir, String prefix) {
        Path launcher = strataLauncher != null ? strataLauncher.toAbsolutePath() : repoRootUsed.resolve("bin/strata");
        if (!Files.isExecutable(launcher)) {
            say("%s no launcher at %s: no launcher start-up", prefix, launcher);
            return 0;
        }
        Path dir = rawDir.resolve("data").resolve(logDir.getFileName() + "-launcher");
        try {
            int[] ports = freePorts(2);
            try (StrataNode launched = new StrataNode(spec(v, "strata", dir, logDir.resolve("strata-launcher.log")),
                    jar, ports[0], ports[1], Map.of(), launcher)) {
                launched.start();
                say("%s ready in %d ms through %s", prefix, launched.startupMs(), repoRootUsed.relativize(launcher));
                return launched.startupMs();
            }
        } catch (Exception e) {
            say("%s launcher start failed: %s", prefix, e.getMessage());
            return 0;
        } finally {
            deleteTree(dir);
        }
    }

    private void runOne(Variant v, int rep, String system, Path jar) throws Exception {
        String tag = v.id() + "-" + system + "-" + rep;
        Path dataDir = rawDir.resolve("data").resolve(tag);
        Path logDir = rawDir.resolve(tag);
        SystemUnderTest node = v.cluster() ? cluster(v, system, dataDir, logDir, jar)
                : singleNode(v, system, dataDir, logDir, jar);
        nodeSettings.putIfAbsent(system + (v.cluster() ? " cluster settings" : " settings"), node.describeSettings());
        String prefix = String.format("[%s %d] %-6s", v.id(), rep, system);
        say("%s starting", prefix);
        try {
            try {
                node.start();
            } catch (Exception e) {
                say("%s did not start: %s", prefix, e.getMessage());
                for (Workload w : v.workloads()) {
                    results.fail(v.id(), w.id(), system, rep, "node did not start: " + e.getMessage()
                            + "\n" + tail(node.logFiles(), 15));
                }
                return;
            }
            List<MetricDef> nodeMetrics = Plan.metrics(v, v.workloads().get(0));
            results.add(nodeMetrics.get(0), system, node.startupMs());
            results.add(nodeMetrics.get(1), system, node.idleRssKiB() / 1024.0);
            say("%s ready in %d ms, RSS %d MiB", prefix, node.startupMs(), node.idleRssKiB() / 1024);
            if (nodeMetrics.size() > 4) {
                // Kafka starts as kafka-server-start.sh starts it in every run; Strata's launcher start is extra.
                long launched = system.equals("kafka") ? node.startupMs() : launcherStartupMs(v, jar, logDir, prefix);
                if (launched > 0) {
                    results.add(nodeMetrics.get(4), system, launched);
                }
            }

            CpuMeter.Sample cpuFrom = CpuMeter.sample(node.pids());
            String topicError = createTopics(node, v);
            int timeouts = 0;
            Map<String, Long> produced = new HashMap<>();
            for (Workload w : v.workloads()) {
                if (w.kind() == Kind.NODE) {
                    continue;
                }
                String failure;
                if (!node.alive()) {
                    failure = "node " + node.exitDescription() + " before this workload\n" + tail(node.logFiles(), 15);
                } else if (topicError != null && w.kind() != Kind.CONSUME) {
                    failure = topicError;
                } else if (timeouts >= 2) {
                    failure = "skipped after two workloads timed out on this node";
                } else {
                    try {
                        failure = RUNNERS.get(w.kind()).run(new WorkloadRunner.Context(jvm, toolJvmArgs(), logDir,
                                reportDir.resolve("gatling").resolve(v.id() + "-" + system), mode.equals("smoke"), results, produced, prefix), node, v, w);
                    } catch (Exception e) {
                        failure = "harness error: " + e;
                    }
                    if (failure != null && failure.startsWith("timed out")) {
                        timeouts++;
                    }
                }
                if (failure != null) {
                    say("%s %s FAILED: %s", prefix, w.id(), failure.lines().findFirst().orElse(""));
                    results.fail(v.id(), w.id(), system, rep, failure);
                }
            }
            long peak = node.peakRssKiB();
            if (peak > 0) {
                results.add(nodeMetrics.get(2), system, peak / 1024.0);
            }
            double foreign = CpuMeter.foreignCores(cpuFrom, CpuMeter.sample(node.pids()), 100);
            if (!Double.isNaN(foreign)) {
                results.add(nodeMetrics.get(3), system, foreign);
                say("%s other processes used %.2f cores on average during the workloads", prefix, foreign);
            }
            if (!node.alive()) {
                results.fail(v.id(), "node", system, rep, "node " + node.exitDescription() + " during the run\n"
                        + tail(node.logFiles(), 15));
            }
        } finally {
            node.close();
            deleteTree(dataDir);
        }
    }

    private String createTopics(SystemUnderTest node, Variant v) {
        List<NewTopic> topics = v.workloads().stream()
                .flatMap(w -> w.topics().stream())
                .map(t -> new NewTopic(t, plan.partitions(), (short) v.replication().factor())
                        .configs(v.replication().topicConfigs()))
                .toList();
        try (Admin admin = Node.admin(node.bootstrap(), 15000)) {
            admin.createTopics(topics).all().get(60, TimeUnit.SECONDS);
            return null;
        } catch (Exception e) {
            return "CreateTopics failed: " + e;
        }
    }

    // ---------------------------------------------------------------- helpers

    private Path extract(String resource) throws IOException {
        Path target = rawDir.resolve(resource);
        try (InputStream in = Benchmark.class.getResourceAsStream("/" + resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + resource);
            }
            Files.copy(in, target);
        }
        return target;
    }

    /** Commit and branch of the repository the node was built from, with a note when the tree has changes. */
    static String gitDescription(Path repo) {
        try {
            String head = git(repo, "rev-parse", "--short=12", "HEAD");
            String branch = git(repo, "rev-parse", "--abbrev-ref", "HEAD");
            String subject = git(repo, "log", "-1", "--format=%s");
            boolean dirty = !git(repo, "status", "--porcelain", "--untracked-files=no").isEmpty();
            return "commit " + head + " on " + branch + (dirty ? " (with uncommitted changes)" : "") + ": " + subject;
        } catch (Exception e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    private static String git(Path repo, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("git", "-C", repo.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        if (p.waitFor() != 0) {
            throw new IOException("git " + String.join(" ", args) + ": " + out);
        }
        return out;
    }

    /** Ports free on 127.0.0.1 right now, none handed out twice in this run. */
    static int[] freePorts(int n) {
        int[] ports = new int[n];
        for (int i = 0; i < n; i++) {
            ports[i] = Ports.free();
        }
        return ports;
    }

    static Path findRepoRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null) {
            if (Files.isDirectory(p.resolve("load-tests")) && Files.isRegularFile(p.resolve("pom.xml"))) {
                return p;
            }
            p = p.getParent();
        }
        throw new IllegalStateException("cannot find the repository root from " + Path.of("").toAbsolutePath()
                + "; pass --repo-root");
    }

    /** {@link #tail(Path, int)} of each log, under its file name when there are several. */
    private static String tail(List<Path> files, int lines) {
        if (files.size() == 1) {
            return tail(files.get(0), lines);
        }
        StringBuilder sb = new StringBuilder();
        for (Path f : files) {
            String t = tail(f, lines);
            if (!t.isBlank()) {
                sb.append(sb.length() == 0 ? "" : "\n").append("== ").append(f.getFileName()).append('\n').append(t);
            }
        }
        return sb.toString();
    }

    /** The error lines of a node log (ERROR, Exception, Caused by), else its last lines. */
    private static String tail(Path file, int lines) {
        try {
            List<String> all = Files.readAllLines(file).stream().filter(l -> !l.startsWith("# ")).toList();
            List<String> errors = all.stream()
                    .filter(l -> l.contains(" ERROR ") || l.startsWith("Caused by") || l.contains("Exception:")
                            || l.startsWith("Exception") || l.startsWith("Error"))
                    .limit(lines).toList();
            if (!errors.isEmpty()) {
                return String.join("\n", errors);
            }
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "";
        }
    }

    /** Deletes a directory tree, best effort. */
    public static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // best effort
                }
            });
        } catch (IOException e) {
            // best effort
        }
    }

    private static void say(String fmt, Object... args) {
        System.out.println(String.format(Locale.ROOT, fmt, args));
        System.out.flush();
    }
}
