package io.strata.deploychecks;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * One Terraform module (the {@code .tf} files of one directory, as Terraform reads them), parsed by {@link HclParser}:
 * its variables, locals, resources, data sources, module calls, outputs, provider blocks and every reference in it.
 * Block bodies are Terraform JSON objects (nested blocks as arrays of objects). Immutable after {@link #load}.
 */
final class TerraformModule {

    /** A declared block: its address ({@code aws_s3_bucket.data}, {@code var.name}), file and body. */
    record Block(String address, Path file, JsonNode body) {
    }

    /** A reference and the file it is in. */
    record Located(HclParser.Reference reference, Path file) {
    }

    final Path dir;
    final List<String> parseErrors = new ArrayList<>();
    final Map<String, Block> variables = new LinkedHashMap<>();
    final Set<String> locals = new LinkedHashSet<>();
    final Map<String, JsonNode> localValues = new LinkedHashMap<>();
    final Map<String, Block> resources = new LinkedHashMap<>();
    final Map<String, Block> data = new LinkedHashMap<>();
    final Map<String, Block> modules = new LinkedHashMap<>();
    final Map<String, Block> outputs = new LinkedHashMap<>();
    final List<Block> providers = new ArrayList<>();
    final List<Located> references = new ArrayList<>();
    /** Labels of dynamic blocks: inside their content, {@code <label>.key} and {@code <label>.value} refer to the item. */
    final Set<String> dynamicLabels = new LinkedHashSet<>();
    /** Modules this one calls by local path, loaded once. */
    final Map<Path, TerraformModule> children = new java.util.HashMap<>();

    private TerraformModule(Path dir) {
        this.dir = dir;
    }

    static TerraformModule load(Path dir) throws IOException {
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.filter(p -> p.toString().endsWith(".tf")).sorted().toList();
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no .tf files in " + dir);
        }
        TerraformModule module = new TerraformModule(dir);
        for (HclParser.ParsedFile f : HclParser.parse(files).values()) {
            if (!f.ok()) {
                module.parseErrors.add(f.error());
                continue;
            }
            module.add(f);
        }
        return module;
    }

    private void add(HclParser.ParsedFile f) {
        JsonNode json = f.json();
        json.path("variable").fields().forEachRemaining(e -> variables.put(e.getKey(), new Block("var." + e.getKey(), f.path(), e.getValue().get(0))));
        json.path("locals").forEach(l -> l.fields().forEachRemaining(e -> {
            locals.add(e.getKey());
            localValues.put(e.getKey(), e.getValue());
        }));
        json.path("resource").fields().forEachRemaining(t -> t.getValue().fields().forEachRemaining(n ->
                resources.put(t.getKey() + "." + n.getKey(), new Block(t.getKey() + "." + n.getKey(), f.path(), n.getValue().get(0)))));
        json.path("data").fields().forEachRemaining(t -> t.getValue().fields().forEachRemaining(n ->
                data.put(t.getKey() + "." + n.getKey(), new Block("data." + t.getKey() + "." + n.getKey(), f.path(), n.getValue().get(0)))));
        json.path("module").fields().forEachRemaining(e -> modules.put(e.getKey(), new Block("module." + e.getKey(), f.path(), e.getValue().get(0))));
        json.path("output").fields().forEachRemaining(e -> outputs.put(e.getKey(), new Block("output." + e.getKey(), f.path(), e.getValue().get(0))));
        json.path("provider").fields().forEachRemaining(e -> e.getValue().forEach(b -> providers.add(new Block("provider." + e.getKey(), f.path(), b))));
        f.references().forEach(r -> references.add(new Located(r, f.path())));
        collectDynamicLabels(json);
    }

    private void collectDynamicLabels(JsonNode node) {
        if (node.isObject()) {
            node.fields().forEachRemaining(e -> {
                if (e.getKey().equals("dynamic")) {
                    e.getValue().fields().forEachRemaining(d -> {
                        dynamicLabels.add(d.getKey());
                        d.getValue().forEach(b -> {
                            if (b.has("iterator")) {
                                dynamicLabels.add(b.get("iterator").asText());
                            }
                        });
                    });
                }
                collectDynamicLabels(e.getValue());
            });
        } else if (node.isArray()) {
            node.forEach(this::collectDynamicLabels);
        }
    }

    /** Resources of one type. */
    List<Block> resourcesOfType(String type) {
        return resources.values().stream().filter(b -> b.address().startsWith(type + ".")).toList();
    }

    /** Data sources of one type. */
    List<Block> dataOfType(String type) {
        return data.values().stream().filter(b -> b.address().startsWith("data." + type + ".")).toList();
    }

    /** The default of a variable, if it has one. */
    JsonNode variableDefault(String name) {
        Block v = variables.get(name);
        return v == null ? null : v.body().get("default");
    }

    @Override
    public String toString() {
        return "module " + dir;
    }
}
