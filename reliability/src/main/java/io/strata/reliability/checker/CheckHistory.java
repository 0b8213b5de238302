package io.strata.reliability.checker;

import io.strata.reliability.history.MalformedHistoryException;
import io.strata.reliability.report.RunReport;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Checks a history file from the command line: prints the summary (Markdown) to standard output and exits 0 when
 * the history has no anomaly, 1 when it has, 2 when it cannot be read (a malformed line is named with its number).
 * With {@code --report DIR} it also writes the full report there. For example:
 * <pre>
 * java -cp ... io.strata.reliability.checker.CheckHistory target/reliability/run-1/history.jsonl
 * </pre>
 */
@Command(name = "check-history", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Checks a fault-injection history (JSON lines) for lost, duplicated, reordered or inconsistent "
                + "records and committed-offset regressions. Exit code: 0 no anomaly, 1 anomalies, 2 unreadable.")
public final class CheckHistory implements Callable<Integer> {

    public static final int VALID = 0;
    public static final int INVALID = 1;
    public static final int UNREADABLE = 2;

    @Parameters(index = "0", paramLabel = "HISTORY", description = "the history file")
    Path history;

    @Option(names = "--unseen-bound-seconds", paramLabel = "S", defaultValue = "180",
            description = "an acknowledged value must be read within S seconds (default: ${DEFAULT-VALUE})")
    long unseenBoundSeconds;

    @Option(names = "--report", paramLabel = "DIR",
            description = "also write summary.md, summary.json and timeline.png into DIR")
    Path reportDir;

    private PrintWriter out;
    private PrintWriter err;

    public static void main(String[] args) {
        System.exit(run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
    }

    /** Runs the command with the given output; returns the exit code. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CheckHistory command = new CheckHistory();
        command.out = out;
        command.err = err;
        CommandLine cli = new CommandLine(command);
        cli.setOut(out);
        cli.setErr(err);
        return cli.execute(args);
    }

    @Override
    public Integer call() {
        if (!Files.isRegularFile(history)) {
            err.println("no such file: " + history);
            return UNREADABLE;
        }
        try {
            Map<String, String> settings = new LinkedHashMap<>();
            settings.put("title", "History check");
            settings.put("history", String.valueOf(history.getFileName()));
            settings.put("unseen bound", unseenBoundSeconds + " s");
            RunReport report = RunReport.analyze(history, settings, Duration.ofSeconds(unseenBoundSeconds));
            out.print(report.markdown());
            out.flush();
            if (reportDir != null) {
                report.write(reportDir);
                err.println("report written to " + reportDir.toAbsolutePath());
            }
            return report.result().valid() ? VALID : INVALID;
        } catch (MalformedHistoryException e) {
            err.println("malformed history: " + e.getMessage());
            return UNREADABLE;
        } catch (NoSuchFileException e) {
            err.println("no such file: " + e.getFile());
            return UNREADABLE;
        } catch (IOException e) {
            err.println("cannot read " + history + ": " + e);
            return UNREADABLE;
        }
    }
}
