package io.strata.reliability.net;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs a short administrative command of this machine ({@code ip}, {@code nft}, {@code mount}) to completion and
 * gives its exit code, standard output and standard error; {@link #run} turns a failure into an exception that
 * carries all three, so a refused {@code ip netns add} says why. Stateless and thread-safe.
 */
public final class HostCommand {

    private static final long TIMEOUT_SECONDS = 60;

    private HostCommand() {
    }

    /** What a finished command printed and returned. */
    public record Result(List<String> command, int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }

        @Override
        public String toString() {
            return "`" + String.join(" ", command) + "` exited with " + exitCode
                    + (stderr.isBlank() ? "" : ": " + stderr.strip())
                    + (stdout.isBlank() || !stderr.isBlank() ? "" : ": " + stdout.strip());
        }
    }

    /** Thrown by {@link #run} when a command exits with a code other than 0. */
    public static final class Failed extends RuntimeException {
        private final Result result;

        Failed(Result result) {
            super(result.toString());
            this.result = result;
        }

        public Result result() {
            return result;
        }
    }

    /** Runs the command; fails with {@link Failed} unless it exits with 0. Returns its standard output. */
    public static String run(String... command) {
        return runWithInput(null, command);
    }

    /** As {@link #run(String...)}, with {@code stdin} written to the command's standard input. */
    public static String runWithInput(String stdin, String... command) {
        Result result = attemptWithInput(stdin, command);
        if (!result.ok()) {
            throw new Failed(result);
        }
        return result.stdout();
    }

    /** Runs the command and returns how it went, whatever its exit code. */
    public static Result attempt(String... command) {
        return attemptWithInput(null, command);
    }

    /** As {@link #attempt(String...)}, with {@code stdin} (if not null) written to the command's standard input. */
    public static Result attemptWithInput(String stdin, String... command) {
        List<String> cmd = List.of(command);
        Process process;
        try {
            process = new ProcessBuilder(cmd).start();
        } catch (IOException e) {
            return new Result(cmd, 127, "", "cannot run " + cmd.get(0) + ": " + e.getMessage());
        }
        CompletableFuture<String> out = drain(process.getInputStream());
        CompletableFuture<String> err = drain(process.getErrorStream());
        try (OutputStream in = process.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            // the command may exit without reading its input; its exit code tells what happened
        }
        try {
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                return new Result(cmd, -1, out.getNow(""), "did not finish within " + TIMEOUT_SECONDS + " s");
            }
            return new Result(cmd, process.exitValue(), out.join(), err.join());
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + cmd, e);
        }
    }

    private static CompletableFuture<String> drain(InputStream stream) {
        return CompletableFuture.supplyAsync(() -> {
            try (stream) {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, HostCommand::daemon);
    }

    /** A thread per stream: the common pool may have a single thread, and two blocking reads would deadlock it. */
    private static void daemon(Runnable task) {
        Thread t = new Thread(task, "host-command-output");
        t.setDaemon(true);
        t.start();
    }
}
