package io.strata.deploychecks;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The security rules the Strata module must keep, asserted on its parsed source (there is no plan to look at):
 * the nodes' IAM policy reaches only the cluster's bucket prefix and the node package (plus DescribeInstances,
 * which has no resource-level permissions); every launch template requires IMDSv2; every bucket blocks public
 * access in full, enforces bucket-owner ownership, is encrypted and aborts incomplete multipart uploads; no ingress
 * rule opens the Hazelcast port to an address range. Each method returns problems, empty when the rule holds.
 */
final class SecurityPolicies {

    private static final Pattern VAR = Pattern.compile("^\\$\\{var\\.(\\w+)}$");
    /** What the S3 statements may name: the bucket (local.bucket_arn, or the bucket resource) and the package. */
    private static final Pattern ALLOWED_S3_RESOURCE = Pattern.compile(
            "^\\$\\{(local\\.bucket_arn|aws_s3_bucket\\.\\w+\\.arn|local\\.package_object_arn|statement\\.value)}(/\\$\\{var\\.bucket_prefix}/\\*)?$");

    private SecurityPolicies() {
    }

    static List<String> all(TerraformModule m) {
        List<String> problems = new ArrayList<>();
        problems.addAll(iamLimitedToBucket(m));
        problems.addAll(imdsV2Required(m));
        problems.addAll(bucketNotPublic(m));
        problems.addAll(clusterPortNotOpenToAddresses(m));
        return problems;
    }

    static List<String> iamLimitedToBucket(TerraformModule m) {
        List<String> problems = new ArrayList<>();
        if (!m.resourcesOfType("aws_iam_role_policy_attachment").isEmpty()
                || !m.resourcesOfType("aws_iam_policy_attachment").isEmpty()) {
            problems.add("managed policies are attached to a role: only the inline, bucket-limited policy is allowed");
        }
        for (TerraformModule.Block doc : m.dataOfType("aws_iam_policy_document")) {
            List<JsonNode> statements = new ArrayList<>();
            doc.body().path("statement").forEach(statements::add);
            doc.body().path("dynamic").path("statement").forEach(d -> d.path("content").forEach(statements::add));
            for (JsonNode st : statements) {
                List<String> actions = texts(st.path("actions"));
                List<String> resources = texts(st.path("resources"));
                String where = doc.address() + " statement " + st.path("sid").asText("(no sid)");
                if (st.has("not_actions") || st.has("not_resources")) {
                    problems.add(where + ": NotAction/NotResource grant more than they name");
                }
                for (String a : actions) {
                    if (a.contains("*")) {
                        problems.add(where + ": wildcard action " + a);
                    }
                }
                boolean assumeRole = actions.equals(List.of("sts:AssumeRole"));
                boolean describeOnly = !actions.isEmpty() && actions.stream().allMatch(a -> a.equals("ec2:DescribeInstances"));
                if (assumeRole) {
                    continue;
                }
                if (resources.contains("*") && !describeOnly) {
                    problems.add(where + ": resource \"*\" for " + actions + " (only ec2:DescribeInstances may have it)");
                }
                if (actions.stream().anyMatch(a -> a.startsWith("s3:"))) {
                    for (String r : resources) {
                        if (!ALLOWED_S3_RESOURCE.matcher(r).matches()) {
                            problems.add(where + ": S3 access beyond the cluster's bucket prefix: " + r);
                        }
                    }
                    if (actions.contains("s3:ListBucket") && !st.has("condition")) {
                        problems.add(where + ": s3:ListBucket without an s3:prefix condition lists the whole bucket");
                    }
                }
                if (actions.stream().anyMatch(a -> !a.startsWith("s3:") && !a.equals("ec2:DescribeInstances"))) {
                    problems.add(where + ": actions beyond S3 and ec2:DescribeInstances: " + actions);
                }
            }
        }
        return problems;
    }

    static List<String> imdsV2Required(TerraformModule m) {
        List<String> problems = new ArrayList<>();
        List<TerraformModule.Block> templates = new ArrayList<>(m.resourcesOfType("aws_launch_template"));
        templates.addAll(m.resourcesOfType("aws_instance"));
        for (TerraformModule.Block t : templates) {
            JsonNode options = t.body().path("metadata_options").path(0);
            if (!"required".equals(options.path("http_tokens").asText())) {
                problems.add(t.address() + ": metadata_options.http_tokens must be \"required\" (IMDSv2 only)");
            }
            if ("disabled".equals(options.path("http_endpoint").asText())) {
                problems.add(t.address() + ": the instance metadata service is disabled, the nodes need it");
            }
        }
        return problems;
    }

    static List<String> bucketNotPublic(TerraformModule m) {
        List<String> problems = new ArrayList<>();
        for (TerraformModule.Block bucket : m.resourcesOfType("aws_s3_bucket")) {
            String ref = "${" + bucket.address() + ".id}";
            if (bucket.body().has("acl")) {
                problems.add(bucket.address() + ": has an ACL; ownership is enforced, access goes through IAM only");
            }
            if (!fullBlock(m, ref)) {
                problems.add(bucket.address() + ": no aws_s3_bucket_public_access_block with all four settings true");
            }
            if (!configuredBy(m, "aws_s3_bucket_ownership_controls", ref, b ->
                    "BucketOwnerEnforced".equals(b.path("rule").path(0).path("object_ownership").asText()))) {
                problems.add(bucket.address() + ": object ownership is not BucketOwnerEnforced");
            }
            if (!configuredBy(m, "aws_s3_bucket_server_side_encryption_configuration", ref, b -> !b.path("rule").path(0)
                    .path("apply_server_side_encryption_by_default").path(0).path("sse_algorithm").asText().isEmpty())) {
                problems.add(bucket.address() + ": no default server-side encryption");
            }
            if (!configuredBy(m, "aws_s3_bucket_lifecycle_configuration", ref, b -> b.findValue("abort_incomplete_multipart_upload") != null)) {
                problems.add(bucket.address() + ": no lifecycle rule aborting incomplete multipart uploads");
            }
        }
        for (TerraformModule.Block acl : m.resourcesOfType("aws_s3_bucket_acl")) {
            problems.add(acl.address() + ": bucket ACLs are not allowed");
        }
        for (TerraformModule.Block policy : m.resourcesOfType("aws_s3_bucket_policy")) {
            if (policy.body().toString().contains("\\\"*\\\"") || policy.body().toString().contains("\"identifiers\":[\"*\"]")) {
                problems.add(policy.address() + ": a bucket policy naming every principal");
            }
        }
        return problems;
    }

    private static boolean fullBlock(TerraformModule m, String bucketRef) {
        return configuredBy(m, "aws_s3_bucket_public_access_block", bucketRef, b -> Set.of("block_public_acls",
                "block_public_policy", "ignore_public_acls", "restrict_public_buckets").stream()
                .allMatch(k -> b.path(k).isBoolean() && b.path(k).asBoolean()));
    }

    private static boolean configuredBy(TerraformModule m, String type, String bucketRef,
                                        java.util.function.Predicate<JsonNode> ok) {
        return m.resourcesOfType(type).stream().map(TerraformModule.Block::body)
                .filter(b -> bucketRef.equals(b.path("bucket").asText())).anyMatch(ok);
    }

    /** No ingress rule whose ports include the Hazelcast port takes traffic from an address range. */
    static List<String> clusterPortNotOpenToAddresses(TerraformModule m) {
        List<String> problems = new ArrayList<>();
        int clusterPort = m.variableDefault("cluster_port") == null ? 5701 : m.variableDefault("cluster_port").asInt();
        for (TerraformModule.Block rule : m.resourcesOfType("aws_vpc_security_group_ingress_rule")) {
            JsonNode b = rule.body();
            if (coversForEach(m, b, clusterPort)
                    && (b.has("cidr_ipv4") || b.has("cidr_ipv6") || b.has("prefix_list_id") || !b.has("referenced_security_group_id"))) {
                problems.add(rule.address() + ": opens the Hazelcast port " + clusterPort
                        + " to addresses; it must only reference the nodes' own security group");
            }
        }
        for (TerraformModule.Block group : m.resourcesOfType("aws_security_group")) {
            for (JsonNode in : group.body().path("ingress")) {
                if (covers(m, in.path("protocol").asText(), in.get("from_port"), in.get("to_port"), clusterPort)
                        && (in.path("cidr_blocks").size() > 0 || in.path("ipv6_cidr_blocks").size() > 0)) {
                    problems.add(group.address() + ": an inline ingress rule opens the Hazelcast port " + clusterPort
                            + " to addresses");
                }
            }
        }
        return problems;
    }

    /**
     * Like {@link #covers}, also for a rule made per port by {@code for_each} (from_port = tonumber(each.value)):
     * it covers the port if any variable its for_each names defaults to it (or has no default to tell).
     */
    private static boolean coversForEach(TerraformModule m, JsonNode rule, int port) {
        String from = rule.path("from_port").asText();
        if (from.equals("${tonumber(each.value)}")) {
            Matcher vars = Pattern.compile("var\\.(\\w+)").matcher(rule.path("for_each").asText());
            boolean any = false;
            while (vars.find()) {
                any = true;
                JsonNode d = m.variableDefault(vars.group(1));
                if (d == null || d.asInt() == port) {
                    return true;
                }
            }
            return !any;
        }
        return covers(m, rule.path("ip_protocol").asText(), rule.get("from_port"), rule.get("to_port"), port);
    }

    private static boolean covers(TerraformModule m, String protocol, JsonNode from, JsonNode to, int port) {
        if (protocol.equals("-1") || protocol.equals("all")) {
            return true;
        }
        Integer lo = port(m, from);
        Integer hi = port(m, to);
        // A port that cannot be evaluated here could be anything: count it as covering.
        return lo == null || hi == null || (lo <= port && port <= hi);
    }

    private static Integer port(TerraformModule m, JsonNode n) {
        if (n == null) {
            return null;
        }
        if (n.isNumber()) {
            return n.asInt();
        }
        Matcher v = VAR.matcher(n.asText());
        if (v.matches() && m.variableDefault(v.group(1)) != null) {
            return m.variableDefault(v.group(1)).asInt();
        }
        return null;
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        if (array.isArray()) {
            array.forEach(n -> out.add(n.asText()));
        } else if (!array.isMissingNode()) {
            out.add(array.asText());
        }
        return out;
    }
}
