package io.strata.ingest.kafka.security;

import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.utils.internals.SecurityUtils;

import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Decides whether a principal connecting from a host may perform an operation on a resource, by the rules of
 * Apache Kafka's {@code StandardAuthorizer}:
 * <ul>
 * <li>a super user may do anything;</li>
 * <li>the ACLs that apply to a resource are those of its type whose pattern is the LITERAL name, the LITERAL
 *     wildcard {@code *}, or a PREFIXED pattern the name starts with; of those, an ACL applies to a request
 *     when its principal is the request's principal or {@code User:*} and its host is the client's address
 *     or {@code *};</li>
 * <li>a DENY of the operation (or of ALL) wins over any ALLOW;</li>
 * <li>otherwise an ALLOW of the operation (or of ALL) allows it; an ALLOW of READ, WRITE, DELETE or ALTER also
 *     allows DESCRIBE, and an ALLOW of ALTER_CONFIGS also allows DESCRIBE_CONFIGS (a DENY implies nothing);</li>
 * <li>when no ACL at all applies to the resource, {@code allowEveryoneIfNoAcl} decides (default false).</li>
 * </ul>
 * The ACLs are read through a supplier of the current ones on every call (the cluster's ACL store keeps a
 * local copy), so a change is enforced by the next request. Thread-safe and immutable.
 */
public final class AclAuthorizer {

    private static final String WILDCARD_PRINCIPAL = "User:*";
    private static final String WILDCARD_HOST = "*";

    private final Supplier<Map<ResourcePattern, Set<AccessControlEntry>>> acls;
    private final Set<String> superUsers;
    private final boolean allowEveryoneIfNoAcl;

    /**
     * @param acls                 the current ACLs by resource pattern
     * @param superUsers           principals as {@code Type:name} (e.g. {@code User:admin})
     * @param allowEveryoneIfNoAcl allow an operation on a resource no ACL applies to
     */
    public AclAuthorizer(Supplier<Map<ResourcePattern, Set<AccessControlEntry>>> acls, Set<String> superUsers,
                         boolean allowEveryoneIfNoAcl) {
        this.acls = acls;
        this.superUsers = Set.copyOf(superUsers);
        this.allowEveryoneIfNoAcl = allowEveryoneIfNoAcl;
    }

    /**
     * Parses Kafka's {@code super.users} format: principals separated by semicolons, e.g.
     * {@code User:admin;User:ops}; blanks are ignored.
     *
     * @throws IllegalArgumentException for an entry that is not {@code Type:name}
     */
    public static Set<String> parseSuperUsers(String spec) {
        if (spec == null || spec.isBlank()) {
            return Set.of();
        }
        Set<String> out = new LinkedHashSet<>();
        for (String part : spec.split(";")) {
            String p = part.trim();
            if (!p.isEmpty()) {
                out.add(SecurityUtils.parseKafkaPrincipal(p).toString());
            }
        }
        return Collections.unmodifiableSet(out);
    }

    public boolean isSuperUser(KafkaPrincipal principal) {
        return superUsers.contains(principal.toString());
    }

    /** Whether {@code principal} from {@code host} (an IP address string) may perform {@code op} on the resource. */
    public boolean authorize(KafkaPrincipal principal, String host, AclOperation op, ResourceType type, String name) {
        if (isSuperUser(principal)) {
            return true;
        }
        String who = principal.toString();
        boolean anyAclOnResource = false;
        boolean allowed = false;
        for (Map.Entry<ResourcePattern, Set<AccessControlEntry>> e : acls.get().entrySet()) {
            if (!applies(e.getKey(), type, name)) {
                continue;
            }
            for (AccessControlEntry ace : e.getValue()) {
                anyAclOnResource = true;
                if (!matches(ace, who, host)) {
                    continue;
                }
                if (ace.permissionType() == AclPermissionType.DENY) {
                    if (ace.operation() == op || ace.operation() == AclOperation.ALL) {
                        return false;
                    }
                } else if (ace.permissionType() == AclPermissionType.ALLOW && allows(ace.operation(), op)) {
                    allowed = true;
                }
            }
        }
        return allowed || (!anyAclOnResource && allowEveryoneIfNoAcl);
    }

    /**
     * Whether the principal may perform {@code op} on at least one resource of the type (Kafka's
     * {@code authorizeByResourceType}, used for idempotent producers: WRITE on any topic): some ALLOW of a
     * LITERAL or PREFIXED pattern that no DENY covers (a DENY of the wildcard, of the same literal name, or of a
     * prefix of the allowed name).
     */
    public boolean authorizeAny(KafkaPrincipal principal, String host, AclOperation op, ResourceType type) {
        if (isSuperUser(principal)) {
            return true;
        }
        String who = principal.toString();
        Set<String> denyLiterals = new HashSet<>();
        Set<String> denyPrefixes = new HashSet<>();
        Set<String> allowLiterals = new HashSet<>();
        Set<String> allowPrefixes = new HashSet<>();
        boolean anyAclOfType = false;
        for (Map.Entry<ResourcePattern, Set<AccessControlEntry>> e : acls.get().entrySet()) {
            ResourcePattern p = e.getKey();
            if (p.resourceType() != type) {
                continue;
            }
            for (AccessControlEntry ace : e.getValue()) {
                anyAclOfType = true;
                if (!matches(ace, who, host) || (ace.operation() != op && ace.operation() != AclOperation.ALL)) {
                    continue;
                }
                boolean literal = p.patternType() == PatternType.LITERAL;
                if (ace.permissionType() == AclPermissionType.DENY) {
                    (literal ? denyLiterals : denyPrefixes).add(p.name());
                } else if (ace.permissionType() == AclPermissionType.ALLOW) {
                    (literal ? allowLiterals : allowPrefixes).add(p.name());
                }
            }
        }
        if (denyLiterals.contains(ResourcePattern.WILDCARD_RESOURCE)) {
            return false;
        }
        for (String prefix : allowPrefixes) {
            if (!coveredByDenyPrefix(prefix, denyPrefixes)) {
                return true;
            }
        }
        for (String literal : allowLiterals) {
            if (literal.equals(ResourcePattern.WILDCARD_RESOURCE)
                    || (!denyLiterals.contains(literal) && !coveredByDenyPrefix(literal, denyPrefixes))) {
                return true;
            }
        }
        return !anyAclOfType && allowEveryoneIfNoAcl;
    }

    private static boolean coveredByDenyPrefix(String name, Set<String> denyPrefixes) {
        for (String deny : denyPrefixes) {
            if (name.startsWith(deny)) {
                return true;
            }
        }
        return false;
    }

    private static boolean applies(ResourcePattern pattern, ResourceType type, String name) {
        if (pattern.resourceType() != type) {
            return false;
        }
        return switch (pattern.patternType()) {
            case LITERAL -> pattern.name().equals(name) || pattern.name().equals(ResourcePattern.WILDCARD_RESOURCE);
            case PREFIXED -> name.startsWith(pattern.name());
            default -> false;
        };
    }

    private static boolean matches(AccessControlEntry ace, String principal, String host) {
        return (ace.principal().equals(principal) || ace.principal().equals(WILDCARD_PRINCIPAL))
                && (ace.host().equals(WILDCARD_HOST) || ace.host().equals(host));
    }

    /** Whether an ALLOW of {@code granted} allows {@code wanted}, with Kafka's implied DESCRIBE rights. */
    private static boolean allows(AclOperation granted, AclOperation wanted) {
        if (granted == wanted || granted == AclOperation.ALL) {
            return true;
        }
        return switch (wanted) {
            case DESCRIBE -> granted == AclOperation.READ || granted == AclOperation.WRITE
                    || granted == AclOperation.DELETE || granted == AclOperation.ALTER;
            case DESCRIBE_CONFIGS -> granted == AclOperation.ALTER_CONFIGS;
            default -> false;
        };
    }
}
