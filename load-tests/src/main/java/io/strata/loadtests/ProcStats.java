package io.strata.loadtests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Memory and file figures of a process from /proc (Linux). */
public final class ProcStats {
    private ProcStats() {
    }

    /** Resident set size in KiB, or -1 if unknown. */
    public static long rssKiB(long pid) {
        return statusField(pid, "VmRSS:");
    }

    /** Peak resident set size in KiB, or -1 if unknown. */
    public static long peakRssKiB(long pid) {
        return statusField(pid, "VmHWM:");
    }

    /** Open file descriptors of the process, or -1 if unknown. */
    public static long openFiles(long pid) {
        return countEntries(Path.of("/proc", Long.toString(pid), "fd"), false);
    }

    /** Memory mappings of the process (counted against {@code vm.max_map_count}), or -1 if unknown. */
    public static long memoryMaps(long pid) {
        return countEntries(Path.of("/proc", Long.toString(pid), "maps"), true);
    }

    /** This process's soft limit on open files (children inherit it), or -1 if unknown or unlimited. */
    public static long openFilesLimit() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
                if (line.startsWith("Max open files")) {
                    String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
                    return soft.equals("unlimited") ? -1 : Long.parseLong(soft);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    private static long countEntries(Path path, boolean lines) {
        try (var stream = lines ? Files.lines(path) : Files.list(path)) {
            return stream.count();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static long statusField(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
