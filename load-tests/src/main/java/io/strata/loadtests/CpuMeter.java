package io.strata.loadtests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time from /proc: the whole machine's busy time versus the time used by this harness (with its reaped child
 * tools) and the node(s) under test, so that a report can show how much CPU other processes took during a run;
 * and the CPU time of the system under test alone, which measures the broker's cost per byte even when the
 * clients saturate the machine's cores.
 */
public final class CpuMeter {

    /** Busy ticks of the machine and of our processes at one instant. */
    public record Sample(long machineBusyTicks, long ownTicks, long nanoTime) {
    }

    private CpuMeter() {
    }

    /** @param nodePids the processes of the system under test */
    public static Sample sample(java.util.List<Long> nodePids) {
        long own = processTicks(ProcessHandle.current().pid(), true);
        for (long pid : nodePids) {
            own += processTicks(pid, false);
        }
        return new Sample(machineBusy(), own, System.nanoTime());
    }

    /** USER_HZ: the unit of the tick counts in /proc (100 on every Linux platform this runs on). */
    public static final long TICKS_PER_SECOND = 100;

    /** CPU seconds (user + system) the processes have used so far; a process that is gone counts 0. */
    public static double processCpuSeconds(java.util.List<Long> pids) {
        long ticks = 0;
        for (long pid : pids) {
            ticks += processTicks(pid, false);
        }
        return ticks / (double) TICKS_PER_SECOND;
    }

    /** CPU seconds per GiB moved, or NaN when nothing was moved. */
    public static double secondsPerGiB(double cpuSeconds, double bytes) {
        return bytes > 0 ? cpuSeconds / (bytes / (1024.0 * 1024.0 * 1024.0)) : Double.NaN;
    }

    /** Average number of cores that other processes kept busy between two samples, or NaN. */
    public static double foreignCores(Sample from, Sample to, long ticksPerSecond) {
        if (from.machineBusyTicks() < 0 || to.machineBusyTicks() < 0) {
            return Double.NaN;
        }
        double seconds = (to.nanoTime() - from.nanoTime()) / 1e9;
        long foreign = (to.machineBusyTicks() - from.machineBusyTicks()) - (to.ownTicks() - from.ownTicks());
        return Math.max(0, foreign) / (double) ticksPerSecond / seconds;
    }

    /** user+nice+system+irq+softirq+steal of the first line of /proc/stat (USER_HZ ticks), or -1. */
    static long machineBusy() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            return Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3]) + Long.parseLong(f[6])
                    + Long.parseLong(f[7]) + Long.parseLong(f[8]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** utime+stime (and, if asked, cutime+cstime of reaped children) of a process, or 0. */
    static long processTicks(long pid, boolean withChildren) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split("\\s+");
            // f[0] is field 3 (state): utime is field 14, stime 15, cutime 16, cstime 17.
            long t = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            if (withChildren) {
                t += Long.parseLong(f[13]) + Long.parseLong(f[14]);
            }
            return t;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
