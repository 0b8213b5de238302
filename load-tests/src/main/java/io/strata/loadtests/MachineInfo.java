package io.strata.loadtests;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** What the report says about the machine. */
public final class MachineInfo {
    private MachineInfo() {
    }

    public static Map<String, String> describe(Path dataDir) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("cores", Integer.toString(Runtime.getRuntime().availableProcessors()));
        m.put("cpu", firstValue(Path.of("/proc/cpuinfo"), "model name"));
        String mem = firstValue(Path.of("/proc/meminfo"), "MemTotal");
        try {
            long kib = Long.parseLong(mem.split("\\s+")[0]);
            mem = String.format(Locale.ROOT, "%.1f GiB", kib / 1024.0 / 1024.0);
        } catch (RuntimeException e) {
            // keep the raw text
        }
        m.put("memory", mem);
        m.put("kernel", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        m.put("os", firstValue(Path.of("/etc/os-release"), "PRETTY_NAME").replace("\"", ""));
        m.put("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version")
                + " (" + System.getProperty("java.vm.vendor") + ")");
        try {
            FileStore fs = Files.getFileStore(dataDir);
            m.put("data disk", fs.name() + " (" + fs.type() + "), " + dataDir);
        } catch (IOException e) {
            m.put("data disk", dataDir.toString());
        }
        return m;
    }

    public static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + ", " + f[1] + ", " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static String firstValue(Path file, String key) {
        try {
            for (String line : Files.readAllLines(file)) {
                int sep = line.indexOf(line.contains("=") && !line.contains(":") ? '=' : ':');
                if (sep > 0 && line.substring(0, sep).trim().equals(key)) {
                    return line.substring(sep + 1).trim();
                }
            }
        } catch (IOException e) {
            return "unknown";
        }
        return "unknown";
    }
}
