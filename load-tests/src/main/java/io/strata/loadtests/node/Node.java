package io.strata.loadtests.node;

import io.strata.loadtests.ChildJvm;
import io.strata.loadtests.ProcStats;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/** A broker under test, run as a child JVM with a fresh data directory. */
public abstract class Node implements SystemUnderTest {

    /** How the node is asked to make appends durable. */
    public enum Durability {
        /** Appends reach the page cache; the OS writes them back (both brokers' default). */
        PAGE_CACHE,
        /** fsync after every appended batch. */
        FLUSH_EVERY_BATCH
    }

    /** Everything a node needs to start. */
    public record Spec(ChildJvm jvm, List<String> jvmArgs, Path dataDir, Path logFile, Durability durability,
                       int partitions, Duration startTimeout) {
    }

    protected final Spec spec;
    protected Process process;
    private long startupMs = -1;
    private long idleRssKiB = -1;
    private long launchedAtNanos;

    protected Node(Spec spec) {
        this.spec = spec;
    }

    @Override
    public abstract String system();

    @Override
    public abstract String bootstrap();

    @Override
    public abstract Map<String, String> describeSettings();

    /** Anything that must happen before the clock starts (e.g. storage formatting). */
    protected abstract void prepare() throws Exception;

    protected abstract List<String> command();

    protected abstract Map<String, String> environment();

    /** Extra readiness condition beyond the Kafka API answering (e.g. an HTTP health check). */
    protected boolean extraReady() {
        return true;
    }

    @Override
    public void start() throws Exception {
        prepare();
        for (int port : ports()) {
            if (inUse(port)) {
                throw new IllegalStateException("port " + port + " is already in use by another process");
            }
        }
        long t0 = System.nanoTime();
        launchedAtNanos = t0;
        process = ChildJvm.start(command(), environment(), spec.dataDir(), spec.logFile());
        long deadline = t0 + spec.startTimeout().toNanos();
        boolean extra = false;
        boolean api = false;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(system() + " node exited during startup with code "
                        + process.exitValue() + " (log: " + spec.logFile() + ")");
            }
            extra = extra || extraReady();
            api = api || (extra && kafkaApiReady(bootstrap()));
            if (extra && api) {
                startupMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                idleRssKiB = ProcStats.rssKiB(process.pid());
                return;
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException(system() + " node not ready within " + spec.startTimeout().toSeconds()
                + " s (health ready: " + extra + ", Kafka API ready: " + api + ", log: " + spec.logFile() + ")");
    }

    /** The TCP ports this node listens on. */
    protected abstract List<Integer> ports();

    private static boolean inUse(int port) {
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** True when a Kafka Admin client sees at least one live broker. */
    static boolean kafkaApiReady(String bootstrap) {
        return brokersSeen(bootstrap) > 0;
    }

    /** The number of live brokers an Admin client sees, or 0 when it cannot tell. */
    static int brokersSeen(String bootstrap) {
        try (Admin admin = admin(bootstrap, 2000)) {
            Collection<?> nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs(2000))
                    .nodes().get(3, TimeUnit.SECONDS);
            return nodes.size();
        } catch (Exception e) {
            return 0;
        }
    }

    public static Admin admin(String bootstrap, int timeoutMs) {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutMs);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Math.max(timeoutMs, 5000));
        p.put(AdminClientConfig.RETRY_BACKOFF_MS_CONFIG, 50);
        return Admin.create(p);
    }

    @Override
    public long startupMs() {
        return startupMs;
    }

    /** System.nanoTime() when the JVM was launched (after prepare()). */
    long launchedAtNanos() {
        return launchedAtNanos;
    }

    @Override
    public long idleRssKiB() {
        return idleRssKiB;
    }

    @Override
    public long peakRssKiB() {
        return process == null ? -1 : ProcStats.peakRssKiB(process.pid());
    }

    public long pid() {
        return process == null || !process.isAlive() ? -1 : process.pid();
    }

    @Override
    public List<Long> pids() {
        long pid = pid();
        return pid > 0 ? List.of(pid) : List.of();
    }

    @Override
    public boolean alive() {
        return process != null && process.isAlive();
    }

    @Override
    public List<Path> logFiles() {
        return List.of(spec.logFile());
    }

    @Override
    public String exitDescription() {
        if (process == null) {
            return "not started";
        }
        return process.isAlive() ? "running" : "exited with code " + process.exitValue();
    }

    @Override
    public void close() throws InterruptedException, IOException {
        if (process != null) {
            ChildJvm.stop(process, Duration.ofSeconds(30));
        }
    }
}
