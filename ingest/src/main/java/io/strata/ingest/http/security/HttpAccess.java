package io.strata.ingest.http.security;

import io.strata.ingest.config.StrataConfig;
import io.strata.ingest.http.common.HttpApiException;
import io.strata.ingest.kafka.security.AclAuthorizer;
import io.strata.ingest.node.StrataNode;
import io.strata.ingest.http.restproxy.v2.V2ErrorCodes;
import io.strata.membership.hazelcast.ClusterMember;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

import java.util.Map;
import java.util.Set;

/**
 * What the caller of the current HTTP request may do, decided by the same {@link AclAuthorizer} (same ACLs, super
 * users and {@code allow-everyone-if-no-acl-found}) as Kafka requests, so a principal has the same rights on both
 * ports: producing needs WRITE on the topic (and CREATE on the topic or the cluster when it would create it),
 * reading READ on the topic, consumer groups READ on the group, describing DESCRIBE on the topic. Without the
 * authorizer (strata.security.authorizer.enabled=false) everything is allowed, as on the Kafka port.
 * A refusal is a 403 whose JSON error names the operation, the resource and the principal.
 *
 * <p>Thread-safe; the caller is the request-scoped {@link CurrentCaller}.
 */
@ApplicationScoped
public class HttpAccess {

    private final CurrentCaller current;
    private final StrataNode node;
    private final AclAuthorizer authorizer;
    private final Set<String> superUsers;

    @Inject
    public HttpAccess(CurrentCaller current, StrataNode node, StrataConfig config) {
        this.current = current;
        this.node = node;
        StrataConfig.Security security = config.security();
        this.superUsers = AclAuthorizer.parseSuperUsers(security.superUsers().orElse(""));
        this.authorizer = security.authorizer().enabled()
                ? new AclAuthorizer(this::acls, superUsers, security.allowEveryoneIfNoAclFound())
                : null;
    }

    private HttpAccess() {
        this.current = new CurrentCaller();
        this.node = null;
        this.authorizer = null;
        this.superUsers = Set.of();
    }

    /** Allows everything to an anonymous caller: for resources called without a node's request (tests of parsing). */
    public static HttpAccess unrestricted() {
        return new HttpAccess();
    }

    private Map<ResourcePattern, Set<AccessControlEntry>> acls() {
        ClusterMember member = node.member();
        return member == null ? Map.of() : member.acls().byPattern();
    }

    /** The caller of the current request (anonymous from an unknown host outside a request of the API). */
    public HttpCaller caller() {
        HttpCaller caller = current.get();
        return caller != null ? caller : HttpCaller.anonymous("", "");
    }

    /** Whether the caller may perform {@code op} on the resource. */
    public boolean allowed(AclOperation op, ResourceType type, String name) {
        return allowed(caller(), op, type, name);
    }

    /** Whether {@code caller} may perform {@code op} on the resource; for checks made off the request's thread. */
    public boolean allowed(HttpCaller caller, AclOperation op, ResourceType type, String name) {
        return authorizer == null || authorizer.authorize(caller.principal(), caller.host(), op, type, name);
    }

    /** Refuses (403) unless {@code caller} may perform {@code op} on the topic; for checks off the request's thread. */
    public void requireTopic(HttpCaller caller, AclOperation op, String topic, boolean v2) {
        if (!allowed(caller, op, ResourceType.TOPIC, topic)) {
            throw refused(caller, "Not authorized to " + op + " topic '" + topic + "'", v2);
        }
    }

    /** Refuses (403) unless the caller may perform {@code op} on the topic. */
    public void requireTopic(AclOperation op, String topic, boolean v2) {
        require(op, ResourceType.TOPIC, topic, v2);
    }

    /** Refuses (403) unless the caller may perform {@code op} on the consumer group. */
    public void requireGroup(AclOperation op, String group, boolean v2) {
        require(op, ResourceType.GROUP, group, v2);
    }

    /**
     * Refuses (403) unless the caller may write to the topic and, when it does not exist yet (so producing would
     * create it), create it: CREATE on the cluster or on the topic, as Kafka asks of auto-creation.
     */
    public void requireProduce(String topic, boolean exists, boolean v2) {
        requireTopic(AclOperation.WRITE, topic, v2);
        if (!exists && !allowed(AclOperation.CREATE, ResourceType.CLUSTER, "kafka-cluster")
                && !allowed(AclOperation.CREATE, ResourceType.TOPIC, topic)) {
            throw refused("Not authorized to CREATE topic '" + topic + "' (it does not exist)", v2);
        }
    }

    /** Whether the caller is a super user (strata.security.super-users); everyone is when authentication is off. */
    public boolean isSuperUser() {
        HttpCaller caller = caller();
        if (!caller.authenticated()) {
            return true;
        }
        return superUsers.contains(caller.principal().toString());
    }

    /** Refuses (403) unless the current caller is {@code owner} (REST Proxy consumer instances act as their creator). */
    public void requireOwner(String owner, String what, boolean v2) {
        String who = caller().principal().toString();
        if (!who.equals(owner)) {
            throw refused(who + " may not use " + what + ", which belongs to another principal", v2);
        }
    }

    private void require(AclOperation op, ResourceType type, String name, boolean v2) {
        if (!allowed(op, type, name)) {
            throw refused("Not authorized to " + op + " " + type.name().toLowerCase(java.util.Locale.ROOT)
                    + " '" + name + "'", v2);
        }
    }

    private HttpApiException refused(String what, boolean v2) {
        return refused(caller(), what, v2);
    }

    private static HttpApiException refused(HttpCaller caller, String what, boolean v2) {
        return new HttpApiException(403, v2 ? V2ErrorCodes.AUTHORIZATION_FAILED : 403,
                what + " (principal " + caller.principal() + ").");
    }
}
