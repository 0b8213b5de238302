package io.strata.loadtests.node;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A Strata node from its packaged Quarkus jar. */
public final class StrataNode extends Node {

    private final Path jar;
    private final int port;
    private final int httpPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    private final Map<String, String> extraEnv;
    /** bin/strata, or null to run {@code java -jar} with the spec's JVM and flags. */
    private final Path launcher;

    public StrataNode(Spec spec, Path jar, int port, int httpPort) {
        this(spec, jar, port, httpPort, Map.of());
    }

    /** @param extraEnv node settings on top of the benchmark defaults (e.g. tiering settings) */
    public StrataNode(Spec spec, Path jar, int port, int httpPort, Map<String, String> extraEnv) {
        this(spec, jar, port, httpPort, extraEnv, null);
    }

    /**
     * @param launcher the node's launcher ({@code bin/strata}) to start it as a user would: the launcher picks the
     *                 JVM and its own flags (and the AOT cache); the spec's heap and JVM flags are handed to it as
     *                 {@code STRATA_HEAP_OPTS} and {@code STRATA_JVM_OPTS}. Null: {@code java -jar}.
     */
    public StrataNode(Spec spec, Path jar, int port, int httpPort, Map<String, String> extraEnv, Path launcher) {
        super(spec);
        this.jar = jar;
        this.port = port;
        this.httpPort = httpPort;
        this.extraEnv = Map.copyOf(extraEnv);
        this.launcher = launcher;
    }

    @Override
    public String system() {
        return "strata";
    }

    @Override
    protected List<Integer> ports() {
        return List.of(port, httpPort);
    }

    @Override
    public String bootstrap() {
        return "127.0.0.1:" + port;
    }

    public String httpBase() {
        return "http://127.0.0.1:" + httpPort;
    }

    @Override
    public Map<String, String> describeSettings() {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("jar", jar.toString());
        if (launcher != null) {
            s.put("launcher", launcher + " (it picks the JVM and the AOT cache; see bin/strata --help)");
        }
        s.putAll(environment());
        s.remove("STRATA_DATA_DIR");
        s.put("STRATA_KAFKA_PORT", "<port>");
        s.put("QUARKUS_HTTP_PORT", "<port>");
        // 0 (a free port for a lone member) says something; a cluster member's fixed port does not
        s.computeIfPresent("STRATA_CLUSTER_PORT", (k, v) -> v.equals("0") ? v : "<port>");
        return s;
    }

    @Override
    protected void prepare() throws Exception {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("Strata node jar not found: " + jar
                    + " (build it with ./mvnw -B -q -pl load-tests -am package -DskipTests at the repository root)");
        }
        Files.createDirectories(spec.dataDir());
    }

    @Override
    protected List<String> command() {
        if (launcher != null) {
            return List.of("bash", launcher.toString());
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(spec.jvm().java().toString());
        cmd.addAll(spec.jvmArgs());
        cmd.add("-jar");
        cmd.add(jar.toString());
        return cmd;
    }

    @Override
    protected Map<String, String> environment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("STRATA_NODE_ID", "1");
        env.put("STRATA_DATA_DIR", spec.dataDir().toString());
        env.put("STRATA_KAFKA_PORT", Integer.toString(port));
        env.put("STRATA_KAFKA_ADVERTISED_HOST", "127.0.0.1");
        env.put("QUARKUS_HTTP_PORT", Integer.toString(httpPort));
        env.put("STRATA_CLUSTER_PORT", "0");
        env.put("STRATA_KAFKA_AUTO_CREATE_TOPICS", "true");
        env.put("STRATA_KAFKA_DEFAULT_PARTITIONS", Integer.toString(spec.partitions()));
        env.put("STRATA_LOG_SEGMENT_BYTES", "1073741824");
        // the Kafka broker runs with group.initial.rebalance.delay.ms=0 as well
        env.put("STRATA_GROUP_INITIAL_REBALANCE_DELAY", "0s");
        if (spec.durability() == Durability.FLUSH_EVERY_BATCH) {
            env.put("STRATA_LOG_FLUSH_MESSAGES", "1");
        }
        if (launcher != null) {
            env.put("STRATA_NODE_APP", jar.getParent().toString());
            env.put("STRATA_HEAP_OPTS", String.join(" ", spec.jvmArgs().stream().filter(StrataNode::heapFlag).toList()));
            env.put("STRATA_JVM_OPTS", String.join(" ", spec.jvmArgs().stream().filter(a -> !heapFlag(a)).toList()));
        }
        env.putAll(extraEnv);
        return env;
    }

    private static boolean heapFlag(String jvmArg) {
        return jvmArg.startsWith("-Xms") || jvmArg.startsWith("-Xmx");
    }

    @Override
    protected boolean extraReady() {
        try {
            HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(httpBase() + "/q/health/ready"))
                    .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (Exception e) {
            return false;
        }
    }
}
