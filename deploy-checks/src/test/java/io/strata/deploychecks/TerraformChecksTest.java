package io.strata.deploychecks;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Terraform of {@code infra/terraform} passes the offline checks (parse, references, variables, the AWS
 * provider schema, the security policies), and each check fails on a module broken the way it is meant to catch.
 */
class TerraformChecksTest {

    static final Path TERRAFORM = HclParser.repoRoot().resolve("infra/terraform");
    static final Path MODULE = TERRAFORM.resolve("modules/strata-cluster");
    static final Path EXAMPLE = TERRAFORM.resolve("examples/aws");

    @TempDir
    static Path tmp;

    /** Broken copies of the module: name to (file, text, replacement). */
    private static final Map<String, String[]> BROKEN = new java.util.LinkedHashMap<>();

    static {
        BROKEN.put("misspelled", new String[]{"s3.tf", "  force_destroy = var.force_destroy_bucket", "  force_destroyy = var.force_destroy_bucket"});
        BROKEN.put("misspelled-nested", new String[]{"compute.tf", "http_tokens                 = \"required\"", "http_token = \"required\""});
        BROKEN.put("unknown-type", new String[]{"s3.tf", "resource \"aws_s3_bucket\" \"data\"", "resource \"aws_s3_bukket\" \"data\""});
        BROKEN.put("undeclared-variable", new String[]{"outputs.tf", "value       = var.bucket_prefix", "value       = var.bucket_prefx"});
        BROKEN.put("undeclared-resource", new String[]{"outputs.tf", "value       = aws_iam_role.node.arn", "value       = aws_iam_role.nodes.arn"});
        BROKEN.put("undeclared-local", new String[]{"iam.tf", "resources = [local.bucket_arn]", "resources = [local.bucket]"});
        BROKEN.put("no-description", new String[]{"variables.tf", "  description = \"EC2 instance type of the nodes.\"\n", ""});
        BROKEN.put("syntax", new String[]{"lb.tf", "  port              = var.kafka_port\n", "  port              = \n"});
        BROKEN.put("public", new String[]{"s3.tf", "restrict_public_buckets = true", "restrict_public_buckets = false"});
        BROKEN.put("acl", new String[]{"s3.tf", "  force_destroy = var.force_destroy_bucket", "  acl = \"public-read\"\n  force_destroy = var.force_destroy_bucket"});
        BROKEN.put("imdsv1", new String[]{"compute.tf", "http_tokens                 = \"required\"", "http_tokens = \"optional\""});
        BROKEN.put("cluster-port-world", new String[]{"security.tf", "  description                  = \"Hazelcast membership, between the nodes only\"\n  ip_protocol                  = \"tcp\"\n  from_port                    = var.cluster_port\n  to_port                      = var.cluster_port\n  referenced_security_group_id = aws_security_group.node.id",
                "  description                  = \"Hazelcast membership, between the nodes only\"\n  ip_protocol                  = \"tcp\"\n  from_port                    = var.cluster_port\n  to_port                      = var.cluster_port\n  cidr_ipv4 = \"0.0.0.0/0\""});
        BROKEN.put("cluster-port-clients", new String[]{"security.tf", "description       = \"Kafka clients (after the bootstrap they connect to each node)\"\n  ip_protocol       = \"tcp\"\n  from_port         = var.kafka_port",
                "description       = \"Kafka clients (after the bootstrap they connect to each node)\"\n  ip_protocol       = \"tcp\"\n  from_port         = var.cluster_port"});
        BROKEN.put("iam-star", new String[]{"iam.tf", "resources = [\"${local.bucket_arn}/${var.bucket_prefix}/*\"]", "resources = [\"*\"]"});
        BROKEN.put("iam-wildcard", new String[]{"iam.tf", "\"s3:GetObject\",\n", "\"s3:*\",\n"});
    }

    /** Writes every broken copy and parses all of them with the real files in one parser run. */
    @BeforeAll
    static void writeBrokenCopies() throws IOException {
        assertThat(HclParser.jsDir().resolve("node_modules/@cdktf/hcl2json"))
                .as("@cdktf/hcl2json (bin/install-test-tools installs it)").isDirectory();
        List<Path> all = new java.util.ArrayList<>(HclParser.parseTreeFiles(TERRAFORM));
        for (Map.Entry<String, String[]> e : BROKEN.entrySet()) {
            Path copy = copyTree(MODULE, tmp.resolve(e.getKey()));
            Path f = copy.resolve(e.getValue()[0]);
            String content = Files.readString(f);
            assertThat(content).as(e.getKey() + ": " + e.getValue()[0]).contains(e.getValue()[1]);
            Files.writeString(f, content.replace(e.getValue()[1], e.getValue()[2]));
            all.addAll(HclParser.parseTreeFiles(copy));
        }
        Path tree = copyTree(TERRAFORM, tmp.resolve("terraform"));
        Path main = tree.resolve("examples/aws/main.tf");
        Files.writeString(main, Files.readString(main).replace("node_count         = var.node_count", "node_counts        = var.node_count"));
        all.addAll(HclParser.parseTreeFiles(tree));
        HclParser.parse(all);
    }

    @Test
    void everyTerraformFileParses() throws IOException {
        Map<Path, HclParser.ParsedFile> files = HclParser.parseTree(TERRAFORM);
        assertThat(files).hasSizeGreaterThanOrEqualTo(14);
        assertThat(files.values().stream().filter(f -> !f.ok()).map(HclParser.ParsedFile::error)).isEmpty();
    }

    @Test
    void theModuleHasNoProblems() throws IOException {
        TerraformModule module = TerraformModule.load(MODULE);
        assertThat(module.resources).containsKeys("aws_s3_bucket.data", "aws_launch_template.node",
                "aws_autoscaling_group.nodes", "aws_lb.this", "aws_iam_role.node");
        assertThat(module.references).hasSizeGreaterThan(100);
        assertThat(TerraformChecks.all(module)).isEmpty();
        assertThat(SecurityPolicies.all(module)).isEmpty();
    }

    @Test
    void theExampleHasNoProblemsAndPinsTheProvider() throws IOException {
        TerraformModule example = TerraformModule.load(EXAMPLE);
        assertThat(TerraformChecks.all(example)).isEmpty();
        assertThat(Files.readString(EXAMPLE.resolve("versions.tf"))).contains("hashicorp/aws").contains("~> 6.0");
        assertThat(example.outputs).containsKeys("kafka_bootstrap", "http_ingest_url", "bucket");
    }

    @Test
    void everyVariableIsValidatedWhereItsValuesAreConstrained() throws IOException {
        TerraformModule module = TerraformModule.load(MODULE);
        assertThat(module.variables.get("name").body().has("validation")).isTrue();
        assertThat(module.variables.get("node_count").body().has("validation")).isTrue();
        assertThat(module.variables.get("kafka_client_cidrs").body().has("validation")).isTrue();
    }

    @Test
    void aMisspelledArgumentFails() throws IOException {
        TerraformModule broken = broken("misspelled");
        assertThat(TerraformChecks.schema(broken)).singleElement().asString()
                .contains("aws_s3_bucket.data").contains("unknown argument \"force_destroyy\"").contains("force_destroy");
    }

    @Test
    void aMisspelledNestedArgumentFails() throws IOException {
        TerraformModule broken = broken("misspelled-nested");
        assertThat(TerraformChecks.schema(broken)).singleElement().asString()
                .contains("aws_launch_template.node.metadata_options").contains("\"http_token\"");
    }

    @Test
    void anUnknownResourceTypeFails() throws IOException {
        TerraformModule broken = broken("unknown-type");
        assertThat(TerraformChecks.schema(broken)).anySatisfy(p -> assertThat(p).contains("unknown resource type aws_s3_bukket"));
    }

    @Test
    void anUndeclaredVariableFails() throws IOException {
        TerraformModule broken = broken("undeclared-variable");
        assertThat(TerraformChecks.references(broken)).singleElement().asString()
                .contains("undeclared variable").contains("var.bucket_prefx");
    }

    @Test
    void anUndeclaredResourceOrLocalFails() throws IOException {
        TerraformModule broken = broken("undeclared-resource");
        assertThat(TerraformChecks.references(broken)).singleElement().asString().contains("undeclared resource");
        broken = broken("undeclared-local");
        assertThat(TerraformChecks.references(broken)).singleElement().asString().contains("undeclared local value");
    }

    @Test
    void aVariableWithoutDescriptionFails() throws IOException {
        TerraformModule broken = broken("no-description");
        assertThat(TerraformChecks.variables(broken)).containsExactly("variables.tf: variable instance_type has no description");
    }

    @Test
    void aSyntaxErrorFailsWithItsLine() throws IOException {
        TerraformModule broken = broken("syntax");
        assertThat(TerraformChecks.all(broken)).singleElement().asString().contains("lb.tf:").contains("Invalid expression");
    }

    @Test
    void aModuleCallWithAnUnknownVariableFails() throws IOException {
        assertThat(TerraformChecks.moduleCalls(TerraformModule.load(tmp.resolve("terraform/examples/aws"))))
                .contains("main.tf: module strata: the module has no variable node_counts");
    }

    @Test
    void aPublicBucketFails() throws IOException {
        TerraformModule broken = broken("public");
        assertThat(SecurityPolicies.bucketNotPublic(broken)).singleElement().asString()
                .contains("aws_s3_bucket.data").contains("public_access_block");
        broken = broken("acl");
        assertThat(SecurityPolicies.bucketNotPublic(broken)).singleElement().asString().contains("has an ACL");
    }

    @Test
    void imdsV1Fails() throws IOException {
        TerraformModule broken = broken("imdsv1");
        assertThat(SecurityPolicies.imdsV2Required(broken)).singleElement().asString().contains("IMDSv2");
    }

    @Test
    void theHazelcastPortOpenToAddressesFails() throws IOException {
        assertThat(SecurityPolicies.clusterPortNotOpenToAddresses(broken("cluster-port-world"))).singleElement().asString()
                .contains("node_cluster").contains("5701");
        // The same port on the rules the Kafka clients' networks use.
        assertThat(SecurityPolicies.clusterPortNotOpenToAddresses(broken("cluster-port-clients"))).singleElement().asString()
                .contains("node_kafka_clients");
    }

    @Test
    void iamBeyondTheBucketFails() throws IOException {
        TerraformModule broken = broken("iam-star");
        assertThat(SecurityPolicies.iamLimitedToBucket(broken)).anySatisfy(p -> assertThat(p).contains("ReadWriteClusterObjects").contains("\"*\""));
        broken = broken("iam-wildcard");
        assertThat(SecurityPolicies.iamLimitedToBucket(broken)).singleElement().asString().contains("wildcard action s3:*");
    }

    /** The broken copy of the module named {@code name} (see {@link #BROKEN}). */
    private static TerraformModule broken(String name) throws IOException {
        return TerraformModule.load(tmp.resolve(name));
    }

    static Path copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
        return to;
    }

}
