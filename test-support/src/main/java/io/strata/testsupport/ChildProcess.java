package io.strata.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A process started by a test or benchmark (a broker, an object store), its output appended to a log file. The
 * command may begin with a launcher that execs the program, such as {@code ip netns exec <ns>}: the pid is then the
 * program's own, so signals reach it. Every child still alive when the JVM exits is killed, so an aborted run leaves
 * no orphans behind.
 *
 * <p>Thread-safe: the process handle is only read after {@link #start}.
 */
public final class ChildProcess {

    private static final List<Process> LIVE = new ArrayList<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            synchronized (LIVE) {
                LIVE.stream().filter(Process::isAlive).forEach(Process::destroyForcibly);
            }
        }, "kill-child-processes"));
    }

    private final Process process;
    private final Path log;
    private final long logOffset;

    private ChildProcess(Process process, Path log, long logOffset) {
        this.process = process;
        this.log = log;
        this.logOffset = logOffset;
    }

    /**
     * Launches {@code command} in {@code workDir} with {@code env} added to this JVM's environment, appending a
     * header line and then the child's stdout and stderr to {@code log}.
     */
    public static ChildProcess start(List<String> command, Map<String, String> env, Path workDir, Path log) {
        try {
            Files.createDirectories(log.toAbsolutePath().getParent());
            Files.writeString(log, "==== start at " + Instant.now() + ": " + String.join(" ", command) + "\n",
                    StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            long offset = Files.size(log);
            ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            builder.environment().putAll(env);
            Process process = builder.start();
            synchronized (LIVE) {
                LIVE.removeIf(p -> !p.isAlive());
                LIVE.add(process);
            }
            return new ChildProcess(process, log, offset);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot launch " + command, e);
        }
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The exit code, or empty while the process runs. */
    public java.util.OptionalInt exitCode() {
        return process.isAlive() ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(process.exitValue());
    }

    public Path log() {
        return log;
    }

    /** What the process wrote since this start (a log file is shared by the starts of one program). */
    public String output() {
        try {
            byte[] all = Files.readAllBytes(log);
            int from = (int) Math.min(logOffset, all.length);
            return new String(all, from, all.length - from, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** Waits up to {@code timeout} for the process to exit; false if it still runs. */
    public boolean waitFor(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** SIGKILL, then waits until the process is gone. */
    public void kill() {
        if (process.isAlive()) {
            appendToLog("\n==== SIGKILL at " + Instant.now() + "\n");
        }
        process.destroyForcibly();
        await(Duration.ofSeconds(30), "survived SIGKILL");
    }

    /** SIGTERM; SIGKILL if the process has not exited after {@code grace}. Returns the exit code. */
    public int stop(Duration grace) {
        if (process.isAlive()) {
            appendToLog("==== SIGTERM at " + Instant.now() + "\n");
            process.destroy();
            try {
                if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                    kill();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        return process.exitValue();
    }

    /** SIGSTOP: the process hangs without closing a socket, as in a long GC pause or a frozen machine. */
    public void pause() {
        stopOrContinue(pid(), true);
    }

    /** SIGCONT after {@link #pause()}. */
    public void resume() {
        stopOrContinue(pid(), false);
    }

    /** Sends {@code signal} (a name such as STOP, CONT, KILL) to {@code pid} with kill(1); fails if kill does. */
    public static void signal(long pid, String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).redirectErrorStream(true)
                    .start();
            String out = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + pid + " failed: " + out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Sends SIGSTOP ({@code stop}) or SIGCONT to {@code pid} and returns once the process shows it in /proc (stopped,
     * or no longer stopped): the kernel delivers a signal asynchronously, and a busy process can still be seen
     * running right after {@code kill} returns.
     */
    public static void stopOrContinue(long pid, boolean stop) {
        signal(pid, stop ? "STOP" : "CONT");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while ((processState(pid) == 'T') != stop) {
            if (System.nanoTime() - deadline > 0) {
                throw new IllegalStateException("pid " + pid + " is in state " + processState(pid) + " 10 s after SIG"
                        + (stop ? "STOP" : "CONT"));
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /** The process's state letter from /proc (R, S, T for stopped, ...). */
    public static char processState(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).charAt(0);
        } catch (IOException e) {
            throw new UncheckedIOException("no process " + pid, e);
        }
    }

    /** The last {@code lines} lines of {@code log}, framed for a failure message. */
    public static String tail(Path log, int lines) {
        try {
            if (!Files.exists(log)) {
                return "(no log file " + log + ")";
            }
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            List<String> tail = all.subList(Math.max(0, all.size() - lines), all.size());
            return "---- last " + tail.size() + " lines of " + log + " ----\n" + String.join("\n", tail)
                    + "\n---- end of " + log.getFileName() + " ----";
        } catch (IOException | UncheckedIOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    private void await(Duration timeout, String failure) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("process " + process.pid() + " " + failure);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void appendToLog(String text) {
        try {
            Files.writeString(log, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException ignored) {
            // the log is for people; a failed note must not fail the operation
        }
    }
}
