package io.strata.deploychecks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Terraform files parsed by HashiCorp's HCL parser: {@code src/test/js/parse-hcl.js} runs {@code @cdktf/hcl2json}
 * (the Go {@code hcl} library as WebAssembly, installed by {@code bin/install-test-tools}) under Node.js and gives,
 * per file, the Terraform JSON form with every reference found in its expressions, or the parser's error with file,
 * line and column. Stateless; each call starts one Node.js process.
 */
final class HclParser {

    /** A parsed file: its JSON form (blocks as arrays of objects) and its references; or the parse error. */
    record ParsedFile(Path path, JsonNode json, List<Reference> references, String error) {
        boolean ok() {
            return error == null;
        }
    }

    /** A reference such as {@code var.name} or {@code aws_s3_bucket.data.arn}, and the JSON path it appears at. */
    record Reference(String value, String where) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private HclParser() {
    }

    static Path repoRoot() {
        return Path.of(System.getProperty("strata.repo.root", "..")).toAbsolutePath().normalize();
    }

    static Path jsDir() {
        return repoRoot().resolve("deploy-checks/src/test/js");
    }

    /** Every {@code .tf} file under {@code dir}, parsed. */
    static Map<Path, ParsedFile> parseTree(Path dir) throws IOException {
        return parse(parseTreeFiles(dir));
    }

    /** Every {@code .tf} file under {@code dir}. */
    static List<Path> parseTreeFiles(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(p -> p.toString().endsWith(".tf") && Files.isRegularFile(p)).sorted().toList();
        }
    }

    /** Parsed files by path, with the content they were parsed from: a Node.js start costs seconds on a busy machine. */
    private static final Map<Path, Map.Entry<String, ParsedFile>> CACHE = new java.util.concurrent.ConcurrentHashMap<>();

    /** The files parsed; those parsed before with the same content come from a cache, the rest in one Node.js run. */
    static Map<Path, ParsedFile> parse(List<Path> files) throws IOException {
        Map<Path, ParsedFile> result = new LinkedHashMap<>();
        List<Path> missing = new ArrayList<>();
        Map<Path, String> contents = new LinkedHashMap<>();
        for (Path f : files) {
            Path key = f.toAbsolutePath().normalize();
            String content = Files.readString(key);
            contents.put(key, content);
            Map.Entry<String, ParsedFile> cached = CACHE.get(key);
            if (cached == null || !cached.getKey().equals(content)) {
                missing.add(key);
            }
        }
        if (!missing.isEmpty()) {
            parseNow(missing).forEach((k, v) -> CACHE.put(k, Map.entry(contents.get(k), v)));
        }
        for (Path f : files) {
            ParsedFile p = CACHE.get(f.toAbsolutePath().normalize()).getValue();
            result.put(f, new ParsedFile(f, p.json(), p.references(), p.error()));
        }
        return result;
    }

    private static Map<Path, ParsedFile> parseNow(List<Path> files) throws IOException {
        if (!Files.isDirectory(jsDir().resolve("node_modules/@cdktf/hcl2json"))) {
            throw new IllegalStateException("@cdktf/hcl2json is not installed in " + jsDir()
                    + ": run bin/install-test-tools");
        }
        List<String> command = new ArrayList<>(List.of("node", jsDir().resolve("parse-hcl.js").toString()));
        files.forEach(f -> command.add(f.toAbsolutePath().toString()));
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        byte[] out = process.getInputStream().readAllBytes();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException("parse-hcl.js failed: " + new String(out, StandardCharsets.UTF_8));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        JsonNode root = JSON.readTree(out);
        Map<Path, ParsedFile> parsed = new LinkedHashMap<>();
        for (Path f : files) {
            JsonNode r = root.get(f.toAbsolutePath().toString());
            if (r.has("error")) {
                parsed.put(f, new ParsedFile(f, null, List.of(), r.get("error").asText()));
            } else {
                List<Reference> refs = new ArrayList<>();
                r.get("references").forEach(n -> refs.add(new Reference(n.get("value").asText(), n.get("where").asText())));
                parsed.put(f, new ParsedFile(f, r.get("json"), refs, null));
            }
        }
        return parsed;
    }
}
