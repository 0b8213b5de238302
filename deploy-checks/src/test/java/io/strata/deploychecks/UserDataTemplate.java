package io.strata.deploychecks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The module's user-data template, rendered as Terraform's {@code templatefile()} renders it, for the template
 * language the file is restricted to: {@code ${name}} placeholders of plain variables, {@code $${} and {@code %%{}
 * escapes, no directives and no other expressions (a {@code ${} Terraform could not evaluate fails the render, as it
 * would fail {@code terraform plan}). Also runs the shell checks on a rendered script: {@code bash -n} and
 * shellcheck. Stateless.
 */
final class UserDataTemplate {

    private static final Pattern PLACEHOLDER = Pattern.compile("(\\$\\$\\{|%%\\{|\\$\\{([^}]*)}|%\\{)");
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private UserDataTemplate() {
    }

    static Path path() {
        return HclParser.repoRoot().resolve("infra/terraform/modules/strata-cluster/templates/user-data.sh.tftpl");
    }

    /** The names of the placeholders in the template. */
    static Set<String> placeholders(String template) {
        Set<String> names = new LinkedHashSet<>();
        Matcher m = PLACEHOLDER.matcher(template);
        while (m.find()) {
            if (m.group(2) != null) {
                names.add(m.group(2).trim());
            }
        }
        return names;
    }

    /** Renders the template; fails on a directive, an expression that is not a plain name, or an unknown name. */
    static String render(String template, Map<String, ?> vars) {
        StringBuilder out = new StringBuilder();
        Matcher m = PLACEHOLDER.matcher(template);
        int at = 0;
        while (m.find()) {
            out.append(template, at, m.start());
            String token = m.group(1);
            if (token.equals("$${")) {
                out.append("${");
            } else if (token.equals("%%{")) {
                out.append("%{");
            } else if (token.equals("%{")) {
                throw new IllegalArgumentException("template directive at offset " + m.start() + ": this template uses "
                        + "plain placeholders only");
            } else {
                String name = m.group(2).trim();
                if (!NAME.matcher(name).matches()) {
                    throw new IllegalArgumentException("expression ${" + name + "} in the template: only variable names");
                }
                if (!vars.containsKey(name)) {
                    throw new IllegalArgumentException("vars map does not contain key \"" + name + "\" (Terraform: "
                            + "Invalid function argument)");
                }
                out.append(vars.get(name));
            }
            at = m.end();
        }
        out.append(template.substring(at));
        return out.toString();
    }

    /** The variable names the module passes to templatefile() for this template, read from its call in main.tf. */
    static Set<String> passedByModule(String templatefileCall) {
        Set<String> names = new LinkedHashSet<>();
        Matcher m = Pattern.compile("(?m)^\\s*(\\w+)\\s*=").matcher(templatefileCall);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    /** Problems {@code bash -n} and shellcheck find in a script; empty when both pass. */
    static List<String> lint(Path script) throws IOException, InterruptedException {
        List<String> problems = new ArrayList<>();
        run(List.of("bash", "-n", script.toString()), "bash -n", problems);
        run(List.of("shellcheck", "--shell=bash", script.toString()), "shellcheck", problems);
        return problems;
    }

    private static void run(List<String> command, String name, List<String> problems) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            problems.add(name + " timed out");
        } else if (p.exitValue() != 0) {
            problems.add(name + " failed (exit " + p.exitValue() + "): " + out.strip());
        }
    }

    static String read() throws IOException {
        return Files.readString(path());
    }
}
