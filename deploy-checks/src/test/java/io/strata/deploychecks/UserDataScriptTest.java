package io.strata.deploychecks;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The user-data template renders with the variables the module passes (no more, no fewer), and the rendered script
 * passes {@code bash -n} and shellcheck; a script with a syntax error, or a placeholder the module does not pass,
 * fails.
 */
class UserDataScriptTest {

    @TempDir
    Path tmp;

    /** Test values for every variable the module passes to templatefile(). */
    static Map<String, Object> testValues() {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("cluster_name", "strata-test");
        v.put("node_count", 3);
        v.put("region", "eu-west-1");
        v.put("bucket", "strata-test-bucket");
        v.put("bucket_prefix", "strata");
        v.put("s3_endpoint", "https://s3.eu-west-1.amazonaws.com");
        v.put("s3_path_style", "false");
        v.put("package_url", "s3://strata-releases/strata-node.tar.gz");
        v.put("kafka_port", 9092);
        v.put("http_port", 8080);
        v.put("cluster_port", 5701);
        v.put("tag_key", "strata-cluster");
        v.put("ec2_endpoint", "");
        v.put("replication", 3);
        v.put("min_insync", 2);
        v.put("java_options", "-XX:MaxRAMPercentage=60");
        v.put("extra_environment", "STRATA_LOG_RETENTION_MS=604800000");
        v.put("data_device", "/dev/sdf");
        v.put("install_dir", "/opt/strata");
        v.put("data_dir", "/var/lib/strata");
        v.put("config_dir", "/etc/strata");
        v.put("systemd_dir", "/etc/systemd/system");
        v.put("run_user", "strata");
        return v;
    }

    @Test
    void theModulePassesExactlyTheTemplatesPlaceholders() throws Exception {
        TerraformModule module = TerraformModule.load(TerraformChecksTest.MODULE);
        String call = module.localValues.get("user_data").asText();
        assertThat(call).contains("templatefile(\"${path.module}/templates/user-data.sh.tftpl\"");
        assertThat(UserDataTemplate.passedByModule(call))
                .containsExactlyInAnyOrderElementsOf(UserDataTemplate.placeholders(UserDataTemplate.read()))
                .containsExactlyInAnyOrderElementsOf(testValues().keySet());
    }

    @Test
    void theRenderedScriptPassesBashAndShellcheck() throws Exception {
        String rendered = UserDataTemplate.render(UserDataTemplate.read(), testValues());
        assertThat(rendered).startsWith("#!/bin/bash").doesNotContain("${cluster_name}")
                .contains("STRATA_CLUSTER_DISCOVERY=aws").contains("STRATA_CLUSTER_SIZE=3")
                .contains("STRATA_INSTANCE_METADATA_ENABLED=true").contains("STRATA_NODE_ID=-1")
                .contains("--add-opens java.base/java.lang=ALL-UNNAMED").contains("KillSignal=SIGTERM")
                .contains("/q/health/ready");
        Path script = Files.writeString(tmp.resolve("user-data.sh"), rendered);
        assertThat(UserDataTemplate.lint(script)).isEmpty();
    }

    @Test
    void aScriptWithASyntaxErrorFails() throws Exception {
        String rendered = UserDataTemplate.render(UserDataTemplate.read(), testValues())
                .replace("install_java\nmount_data_volume", "install_java\nif [ -n \"$DATA_DIR\" ]; then\nmount_data_volume");
        Path script = Files.writeString(tmp.resolve("broken.sh"), rendered);
        assertThat(UserDataTemplate.lint(script)).anySatisfy(p -> assertThat(p).startsWith("bash -n failed"));
    }

    @Test
    void aShellcheckWarningFails() throws Exception {
        String rendered = UserDataTemplate.render(UserDataTemplate.read(), testValues())
                .replace("local archive\n  archive=\"$(mktemp)\"", "local archive=\"$(mktemp)\"");
        Path script = Files.writeString(tmp.resolve("unquoted.sh"), rendered);
        assertThat(UserDataTemplate.lint(script)).singleElement().asString().startsWith("shellcheck failed").contains("SC2155");
    }

    @Test
    void aPlaceholderTheModuleDoesNotPassOrADirectiveFails() throws Exception {
        String template = UserDataTemplate.read();
        Map<String, Object> values = testValues();
        values.remove("region");
        assertThatThrownBy(() -> UserDataTemplate.render(template, values)).hasMessageContaining("\"region\"");
        assertThatThrownBy(() -> UserDataTemplate.render(template + "%{ if true }x%{ endif }", testValues()))
                .hasMessageContaining("directive");
        assertThatThrownBy(() -> UserDataTemplate.render(template + "${var.name}", testValues()))
                .hasMessageContaining("only variable names");
        assertThat(UserDataTemplate.render("a $${HOME} b", Map.of())).isEqualTo("a ${HOME} b");
    }
}
