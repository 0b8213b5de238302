package io.strata.loadtests;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Builds and runs child JVMs with their output sent to a log file. */
public final class ChildJvm {

    /** Result of a child JVM that ran to completion (or was killed at its deadline). */
    public record Outcome(int exitCode, boolean timedOut, Path log, long elapsedMs) {
        public String output() {
            try {
                return Files.readString(log, StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "";
            }
        }

        /** The last lines of the output, for error messages. */
        public String tail(int lines) {
            List<String> all = output().lines().filter(l -> !l.startsWith("# ")).toList();
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        }
    }

    private final Path java;
    private final String classpath;

    public ChildJvm(Path java, String classpath) {
        this.java = java;
        this.classpath = absolute(classpath);
    }

    /** Child JVMs run in other working directories: make every class path entry absolute. */
    static String absolute(String classpath) {
        StringBuilder sb = new StringBuilder();
        for (String e : classpath.split(File.pathSeparator)) {
            if (e.isEmpty()) {
                continue;
            }
            if (sb.length() > 0) {
                sb.append(File.pathSeparatorChar);
            }
            if (e.endsWith("*")) {
                sb.append(Path.of(e.substring(0, e.length() - 1)).toAbsolutePath()).append("/*");
            } else {
                sb.append(Path.of(e).toAbsolutePath());
            }
        }
        return sb.toString();
    }

    public Path java() {
        return java;
    }

    public String classpath() {
        return classpath;
    }

    /** Command line for {@code java [jvmArgs] -cp <classpath> mainClass [args]}. */
    public List<String> command(List<String> jvmArgs, String mainClass, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(java.toString());
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(classpath);
        cmd.add(mainClass);
        cmd.addAll(args);
        return cmd;
    }

    public static Process start(List<String> command, Map<String, String> env, Path workDir, Path log) throws IOException {
        Files.createDirectories(log.getParent());
        Files.writeString(log, "# " + String.join(" ", command) + "\n", StandardCharsets.UTF_8);
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().putAll(env);
        Process p = pb.start();
        Children.register(p);
        return p;
    }

    /** Runs a command to completion, killing it at the deadline. */
    public static Outcome run(List<String> command, Map<String, String> env, Path workDir, Path log, Duration timeout)
            throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        Process p = start(command, env, workDir, log);
        boolean done = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (!done) {
            stop(p, Duration.ofSeconds(5));
        }
        long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        return new Outcome(done ? p.exitValue() : -1, !done, log, elapsed);
    }

    /** SIGTERM, then SIGKILL after the grace period. */
    public static void stop(Process p, Duration grace) throws InterruptedException {
        if (!p.isAlive()) {
            return;
        }
        p.destroy();
        if (!p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Child processes still running when the harness exits are killed. */
    static final class Children {
        private static final List<Process> LIVE = new ArrayList<>();

        static {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                synchronized (LIVE) {
                    for (Process p : LIVE) {
                        if (p.isAlive()) {
                            p.destroyForcibly();
                        }
                    }
                }
            }, "kill-children"));
        }

        static void register(Process p) {
            synchronized (LIVE) {
                LIVE.removeIf(x -> !x.isAlive());
                LIVE.add(p);
            }
        }
    }
}
