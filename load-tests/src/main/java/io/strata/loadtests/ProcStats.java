package io.strata.loadtests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Memory figures of a process from /proc (Linux). */
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
