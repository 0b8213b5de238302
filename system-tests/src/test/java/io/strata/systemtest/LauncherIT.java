package io.strata.systemtest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.strata.systemtest.support.ProcessRunner;
import io.strata.systemtest.support.ToolResult;
import io.strata.testsupport.ChildProcess;
import io.strata.testsupport.Ports;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/strata}, the launcher: it starts a working node with the JVM flags Hazelcast asks for (so Hazelcast's
 * warning about missing access to JDK internals is gone), and on JDK 25+ records an AOT cache on the first start and
 * uses it on the next.
 */
class LauncherIT {

    private static final Path ROOT = Paths.get(System.getProperty("strata.repo.root", "..")).toAbsolutePath().normalize();
    private static final Path LAUNCHER = ROOT.resolve("bin/strata");
    private static final Path JDK_25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64");
    private static final String HAZELCAST_WARNING = "Hazelcast is starting in a Java modular environment";
    private static final Duration READY_WITHIN = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    @Test
    void helpAndUnknownArguments() {
        ToolResult help = ProcessRunner.run(List.of("bash", LAUNCHER.toString(), "--help"), Map.of(), ROOT, null,
                Duration.ofSeconds(30)).assertSuccess();
        assertThat(help.stdout()).contains("bin/strata", "STRATA_AOT_CACHE", "JAVA_HOME", "STRATA_JAVA_SEARCH");
        ToolResult wrong = ProcessRunner.run(List.of("bash", LAUNCHER.toString(), "--port", "1"), Map.of(), ROOT,
                null, Duration.ofSeconds(30));
        assertThat(wrong.exitCode()).isEqualTo(2);
        assertThat(wrong.stderr()).contains("takes no arguments");
    }

    @Test
    void startsAReadyNodeWithoutHazelcastsWarning() throws Exception {
        Map<String, String> env = nodeEnv("plain");
        env.put("STRATA_AOT_CACHE", "off");
        String output = startUntilReadyThenStop("plain", env);
        assertThat(output).contains("Node 0 listening").doesNotContain(HAZELCAST_WARNING);
    }

    @Test
    void onJdk25TheFirstStartRecordsAnAotCacheAndTheNextUsesIt() throws Exception {
        assumeTrue(Files.isExecutable(JDK_25.resolve("bin/java")), "no JDK 25 at " + JDK_25);
        Path cache = dir.resolve("strata.aot");
        Map<String, String> env = nodeEnv("aot");
        env.put("JAVA_HOME", JDK_25.toString());
        env.put("STRATA_AOT_CACHE", cache.toString());

        String first = startUntilReadyThenStop("aot-first", env);
        assertThat(first).contains("no AOT cache yet").contains("Node 0 listening");
        assertThat(cache).as("AOT cache written when the first node stopped").isRegularFile();
        assertThat(Files.size(cache)).isGreaterThan(1_000_000);

        String second = startUntilReadyThenStop("aot-second", env);
        assertThat(second).contains("Node 0 listening").doesNotContain("no AOT cache yet")
                .doesNotContainIgnoringCase("[warning][aot]").doesNotContain(HAZELCAST_WARNING);
    }

    private Map<String, String> nodeEnv(String name) {
        Map<String, String> env = new HashMap<>();
        env.put("STRATA_KAFKA_PORT", Integer.toString(Ports.free()));
        env.put("QUARKUS_HTTP_PORT", Integer.toString(Ports.free()));
        env.put("STRATA_CLUSTER_PORT", Integer.toString(Ports.free()));
        env.put("STRATA_DATA_DIR", dir.resolve(name + "-data").toString());
        env.put("STRATA_HEAP_OPTS", "-Xms64m -Xmx512m");
        return env;
    }

    /** Starts the launcher, waits for readiness, stops the node with SIGTERM and returns what it printed. */
    private String startUntilReadyThenStop(String name, Map<String, String> env) throws Exception {
        Path log = dir.resolve(name + ".log");
        ChildProcess node = ChildProcess.start(List.of("bash", LAUNCHER.toString()), env, ROOT, log);
        try {
            URI ready = URI.create("http://127.0.0.1:" + env.get("QUARKUS_HTTP_PORT") + "/q/health/ready");
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            long deadline = System.nanoTime() + READY_WITHIN.toNanos();
            boolean isReady = false;
            while (!isReady && System.nanoTime() < deadline && node.isAlive()) {
                try {
                    isReady = http.send(HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(5)).build(),
                            HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
                } catch (java.io.IOException e) {
                    // not listening yet
                }
                if (!isReady) {
                    Thread.sleep(200);
                }
            }
            assertThat(isReady).as("node ready within " + READY_WITHIN + "; output:\n" + node.output()).isTrue();
        } finally {
            assertThat(node.stop(Duration.ofSeconds(120))).as("exit code after SIGTERM").isIn(0, 143);
        }
        return node.output();
    }
}
