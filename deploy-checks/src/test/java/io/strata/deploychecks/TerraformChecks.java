package io.strata.deploychecks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What {@code terraform validate} would find without provider downloads, checked offline on a parsed module: parse
 * errors; references to undeclared variables, locals, resources, data sources, modules and module outputs; variables
 * without a type or a description; resource and data source types, arguments and nested blocks unknown to the AWS
 * provider (its schema extracted once into {@code aws-provider-schema.json}, see {@code extract-aws-schema.js});
 * module calls passing unknown variables or leaving required ones out. Each check returns human-readable problems,
 * empty when there are none. Stateless apart from the schema, loaded once.
 */
final class TerraformChecks {

    /** Arguments and blocks Terraform itself gives every resource and data source. */
    private static final Set<String> META_ARGUMENTS = Set.of("count", "for_each", "depends_on", "provider", "lifecycle",
            "provisioner", "connection");
    private static final Set<String> MODULE_META_ARGUMENTS = Set.of("source", "version", "count", "for_each",
            "providers", "depends_on");
    /** Reference roots that name no declaration. */
    private static final Set<String> BUILT_IN_ROOTS = Set.of("each", "count", "self", "path", "terraform");

    private static final JsonNode SCHEMA = loadSchema();

    private TerraformChecks() {
    }

    private static JsonNode loadSchema() {
        try (InputStream in = TerraformChecks.class.getResourceAsStream("/aws-provider-schema.json")) {
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every problem of the module (and of the modules it calls, by local path). */
    static List<String> all(TerraformModule module) throws IOException {
        List<String> problems = new ArrayList<>(module.parseErrors);
        if (!problems.isEmpty()) {
            return problems; // a file that does not parse hides its declarations: the rest would only add noise
        }
        problems.addAll(references(module));
        problems.addAll(variables(module));
        problems.addAll(outputs(module));
        problems.addAll(schema(module));
        problems.addAll(moduleCalls(module));
        return problems;
    }

    static List<String> references(TerraformModule module) throws IOException {
        List<String> problems = new ArrayList<>();
        for (TerraformModule.Located located : module.references) {
            String value = located.reference().value();
            String[] parts = value.split("\\.");
            String root = parts[0];
            String problem = null;
            if (BUILT_IN_ROOTS.contains(root) || module.dynamicLabels.contains(root)) {
                continue;
            }
            switch (root) {
                case "var" -> problem = module.variables.containsKey(part(parts, 1)) ? null : "undeclared variable";
                case "local" -> problem = module.locals.contains(part(parts, 1)) ? null : "undeclared local value";
                case "data" -> problem = module.data.containsKey(part(parts, 1) + "." + part(parts, 2)) ? null
                        : "undeclared data source";
                case "module" -> {
                    TerraformModule.Block call = module.modules.get(part(parts, 1));
                    if (call == null) {
                        problem = "undeclared module";
                    } else if (parts.length > 2) {
                        TerraformModule child = child(module, call);
                        problem = child != null && !child.outputs.containsKey(parts[2])
                                ? "module " + parts[1] + " has no output " + parts[2] : null;
                    }
                }
                default -> problem = parts.length >= 2 && module.resources.containsKey(root + "." + parts[1]) ? null
                        : "undeclared resource";
            }
            if (problem != null) {
                problems.add(located.file().getFileName() + ": " + problem + " in reference " + value + " (at "
                        + located.reference().where() + ")");
            }
        }
        return problems;
    }

    private static String part(String[] parts, int i) {
        return i < parts.length ? parts[i] : "";
    }

    static List<String> variables(TerraformModule module) {
        List<String> problems = new ArrayList<>();
        module.variables.forEach((name, v) -> {
            if (!v.body().hasNonNull("type")) {
                problems.add(v.file().getFileName() + ": variable " + name + " has no type");
            }
            if (v.body().path("description").asText("").isBlank()) {
                problems.add(v.file().getFileName() + ": variable " + name + " has no description");
            }
        });
        return problems;
    }

    static List<String> outputs(TerraformModule module) {
        List<String> problems = new ArrayList<>();
        module.outputs.forEach((name, o) -> {
            if (o.body().path("description").asText("").isBlank()) {
                problems.add(o.file().getFileName() + ": output " + name + " has no description");
            }
            if (!o.body().has("value")) {
                problems.add(o.file().getFileName() + ": output " + name + " has no value");
            }
        });
        return problems;
    }

    /** Resource and data source types, arguments and nested blocks against the AWS provider's schema. */
    static List<String> schema(TerraformModule module) {
        List<String> problems = new ArrayList<>();
        for (TerraformModule.Block b : module.resources.values()) {
            String type = b.address().substring(0, b.address().indexOf('.'));
            check(b, SCHEMA.path("resource").get(type), type, "resource type", problems);
        }
        for (TerraformModule.Block b : module.data.values()) {
            String type = b.address().split("\\.")[1];
            check(b, SCHEMA.path("data").get(type), type, "data source type", problems);
        }
        for (TerraformModule.Block b : module.providers) {
            if (b.address().equals("provider.aws")) {
                checkBody(b.file().getFileName() + ": provider aws", b.body(), SCHEMA.get("provider"), Set.of("alias"), problems);
            }
        }
        return problems;
    }

    private static void check(TerraformModule.Block b, JsonNode schema, String type, String what, List<String> problems) {
        String where = b.file().getFileName() + ": " + b.address();
        if (!type.startsWith("aws_")) {
            return; // another provider's: not checked here
        }
        if (schema == null) {
            problems.add(where + ": unknown " + what + " " + type + " (not in the AWS provider schema extracted to "
                    + "aws-provider-schema.json; if it is new, regenerate that file with extract-aws-schema.js)");
            return;
        }
        checkBody(where, b.body(), schema, META_ARGUMENTS, problems);
    }

    private static void checkBody(String where, JsonNode body, JsonNode schema, Set<String> allowedExtra,
                                  List<String> problems) {
        Set<String> args = names(schema.path("args"));
        JsonNode blocks = schema.path("blocks");
        body.fields().forEachRemaining(e -> {
            String key = e.getKey();
            if (allowedExtra.contains(key)) {
                return;
            }
            if (key.equals("dynamic")) {
                e.getValue().fields().forEachRemaining(d -> {
                    JsonNode blockSchema = blocks.get(d.getKey());
                    if (blockSchema == null) {
                        problems.add(where + ": unknown block \"" + d.getKey() + "\" (dynamic)");
                        return;
                    }
                    d.getValue().forEach(dyn -> dyn.path("content").forEach(c ->
                            checkBody(where + "." + d.getKey(), c, blockSchema, Set.of(), problems)));
                });
                return;
            }
            JsonNode blockSchema = blocks.get(key);
            if (blockSchema != null && e.getValue().isArray() && e.getValue().size() > 0 && e.getValue().get(0).isObject()) {
                e.getValue().forEach(inner -> checkBody(where + "." + key, inner, blockSchema, Set.of(), problems));
            } else if (!args.contains(key) && blockSchema == null) {
                problems.add(where + ": unknown argument \"" + key + "\"" + suggestion(key, args, blocks));
            }
        });
    }

    private static Set<String> names(JsonNode array) {
        Set<String> names = new java.util.HashSet<>();
        array.forEach(n -> names.add(n.asText()));
        return names;
    }

    private static String suggestion(String key, Set<String> args, JsonNode blocks) {
        List<String> all = new ArrayList<>(args);
        blocks.fieldNames().forEachRemaining(all::add);
        return all.stream().filter(a -> distance(a, key) <= 2).findFirst().map(a -> " (did you mean \"" + a + "\"?)").orElse("");
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            int[] cur = new int[b.length() + 1];
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                cur[j] = Math.min(Math.min(cur[j - 1], prev[j]) + 1, prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1));
            }
            prev = cur;
        }
        return prev[b.length()];
    }

    /** Calls of local modules: the source exists, every argument is one of its variables, required ones are given. */
    static List<String> moduleCalls(TerraformModule module) throws IOException {
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, TerraformModule.Block> e : module.modules.entrySet()) {
            TerraformModule.Block call = e.getValue();
            String where = call.file().getFileName() + ": module " + e.getKey();
            TerraformModule child = child(module, call);
            if (child == null) {
                problems.add(where + ": source " + call.body().path("source").asText() + " is not a module directory");
                continue;
            }
            call.body().fieldNames().forEachRemaining(arg -> {
                if (!MODULE_META_ARGUMENTS.contains(arg) && !child.variables.containsKey(arg)) {
                    problems.add(where + ": the module has no variable " + arg);
                }
            });
            child.variables.forEach((name, v) -> {
                if (!v.body().has("default") && !call.body().has(name)) {
                    problems.add(where + ": required variable " + name + " is not set");
                }
            });
            for (String p : all(child)) {
                problems.add("in " + child.dir.getFileName() + ": " + p);
            }
        }
        return problems;
    }

    private static TerraformModule child(TerraformModule module, TerraformModule.Block call) throws IOException {
        String source = call.body().path("source").asText();
        if (!source.startsWith("./") && !source.startsWith("../")) {
            return null;
        }
        Path dir = module.dir.resolve(source).normalize();
        if (!Files.isDirectory(dir)) {
            return null;
        }
        TerraformModule child = module.children.get(dir);
        if (child == null) {
            child = TerraformModule.load(dir);
            module.children.put(dir, child);
        }
        return child;
    }
}
