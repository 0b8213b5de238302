package io.strata.systemtest.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a child process to completion with a timeout, feeding stdin and capturing stdout and stderr. */
public final class ProcessRunner {
    private ProcessRunner() {
    }

    public static ToolResult run(List<String> command, Map<String, String> env, Path workDir, String stdin,
                                 Duration timeout) {
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().putAll(env);
        if (workDir != null) {
            builder.directory(workDir.toFile());
        }
        long start = System.nanoTime();
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + String.join(" ", command), e);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread outPump = pump(process.getInputStream(), out, "stdout");
        Thread errPump = pump(process.getErrorStream(), err, "stderr");
        Thread inFeed = new Thread(() -> {
            try (OutputStream in = process.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            } catch (IOException ignored) {
                // the process may exit before reading all of its input
            }
        }, "stdin-" + command.get(0));
        inFeed.setDaemon(true);
        inFeed.start();
        boolean finished;
        try {
            finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!finished) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
            outPump.join(5_000);
            errPump.join(5_000);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command, e);
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        int exit = finished ? process.exitValue() : -1;
        return new ToolResult(List.copyOf(command), exit, text(out), text(err), !finished, elapsed);
    }

    private static String text(ByteArrayOutputStream buffer) {
        synchronized (buffer) {
            return buffer.toString(StandardCharsets.UTF_8);
        }
    }

    private static Thread pump(InputStream source, ByteArrayOutputStream sink, String name) {
        Thread thread = new Thread(() -> {
            byte[] chunk = new byte[8192];
            try (source) {
                int n;
                while ((n = source.read(chunk)) >= 0) {
                    synchronized (sink) {
                        sink.write(chunk, 0, n);
                    }
                }
            } catch (IOException ignored) {
                // stream closed when the process was killed
            }
        }, name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }
}
