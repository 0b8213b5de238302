package io.strata.loadtests.tools;

import io.strata.loadtests.CpuMeter;
import org.apache.kafka.tools.ConsumerPerformance;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * Runs kafka-tools' ConsumerPerformance several times in one JVM, each pass in a fresh consumer group reading the
 * topic from the beginning. The first passes warm the client's JIT and are marked as warm-up; the later passes
 * measure the steady state. Without this, a topic the client reads in a second or two is read mostly by
 * interpreted and C1 code in the client, which hides the broker's share of the cost.
 *
 * <p>Output: ConsumerPerformance's own result line per pass (header hidden), each preceded by a line
 * {@code # pass <n> warm-up} or {@code # pass <n> measured}, and followed, when {@code --broker-pids} names the
 * broker's processes, by {@code # broker-cpu-seconds <s>}: the CPU time those processes used during the pass,
 * sampled here at the pass's edges so that it covers the pass alone.
 */
@Command(name = "warm-consumer-performance", mixinStandardHelpOptions = true,
        description = "ConsumerPerformance passes in one JVM: warm-up passes, then measured passes.")
public final class WarmConsumerPerformance implements Callable<Integer> {

    @Option(names = "--group", required = true, description = "Group id prefix; each pass uses <prefix>-<n>.")
    String group;

    @Option(names = "--warmup-passes", defaultValue = "1")
    int warmupPasses;

    @Option(names = "--passes", defaultValue = "3", description = "Measured passes.")
    int passes;

    @Option(names = "--broker-pids", split = ",", description = "Processes whose CPU time each pass reports.")
    List<Long> brokerPids = new ArrayList<>();

    @Unmatched
    List<String> consumerPerformanceArgs = new ArrayList<>();

    public static void main(String[] args) {
        System.exit(new CommandLine(new WarmConsumerPerformance()).execute(args));
    }

    @Override
    public Integer call() {
        int total = warmupPasses + passes;
        for (int pass = 1; pass <= total; pass++) {
            List<String> args = new ArrayList<>(consumerPerformanceArgs);
            args.add("--group");
            args.add(group + "-" + pass);
            System.out.println("# pass " + pass + (pass <= warmupPasses ? " warm-up" : " measured"));
            System.out.flush();
            double cpuBefore = CpuMeter.processCpuSeconds(brokerPids);
            ConsumerPerformance.main(args.toArray(String[]::new));
            if (!brokerPids.isEmpty()) {
                System.out.printf(Locale.ROOT, "# broker-cpu-seconds %.3f%n",
                        CpuMeter.processCpuSeconds(brokerPids) - cpuBefore);
            }
            System.out.flush();
        }
        return 0;
    }
}
