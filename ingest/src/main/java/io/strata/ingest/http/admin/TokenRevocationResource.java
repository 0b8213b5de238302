package io.strata.ingest.http.admin;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.smallrye.common.annotation.Blocking;
import io.strata.ingest.http.common.ErrorBody;
import io.strata.ingest.http.common.HttpApiException;
import io.strata.ingest.node.StrataNode;
import io.strata.membership.hazelcast.ClusterMember;
import io.strata.membership.security.RevokedTokenStore;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Revocation of devices' bearer tokens, for super users (as all of {@code /admin}): one token by its {@code jti},
 * or every token of a subject issued until now. Revocations are cluster metadata: enforced by every node at its
 * next request and kept across restarts. Stateless.
 */
@Path("/admin/token-revocations")
@Tag(name = "Security")
@Produces(MediaType.APPLICATION_JSON)
@Blocking
public class TokenRevocationResource {

    @Inject
    StrataNode node;

    /** One revocation: a token id or a subject, and when it was revoked. */
    @Schema(name = "TokenRevocation")
    public record Revocation(@JsonProperty("jti") String jti, @JsonProperty("subject") String subject,
                             @JsonProperty("revoked_at") Long revokedAt) {
    }

    @GET
    @Operation(summary = "List revoked bearer tokens (by jti) and subjects")
    public List<Revocation> list() {
        List<Revocation> out = new ArrayList<>();
        for (Map.Entry<String, Long> e : store().revocations().entrySet()) {
            String key = e.getKey();
            String value = key.substring(4);
            out.add(key.startsWith("jti:") ? new Revocation(value, null, e.getValue()) : new Revocation(null, value, e.getValue()));
        }
        return out;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Revoke a bearer token by its jti, or every token of a subject issued until now",
            description = "Give exactly one of jti and subject. A revoked subject may be given new tokens (issued later).")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = Revocation.class)))
    @APIResponse(responseCode = "400", description = "Neither or both of jti and subject",
            content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    public Revocation revoke(Revocation request) {
        boolean byId = request != null && request.jti() != null && !request.jti().isBlank();
        boolean bySubject = request != null && request.subject() != null && !request.subject().isBlank();
        if (byId == bySubject) {
            throw new HttpApiException(400, "Give exactly one of 'jti' and 'subject'.");
        }
        long now = System.currentTimeMillis();
        if (byId) {
            store().revokeTokenId(request.jti(), now);
        } else {
            store().revokeSubject(request.subject(), now);
        }
        return new Revocation(byId ? request.jti() : null, bySubject ? request.subject() : null, now);
    }

    @DELETE
    @Operation(summary = "Lift a revocation (of a jti or a subject)")
    @APIResponse(responseCode = "204", description = "Lifted")
    @APIResponse(responseCode = "404", description = "No such revocation", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    public void lift(@QueryParam("jti") String jti, @QueryParam("subject") String subject) {
        if ((jti == null) == (subject == null)) {
            throw new HttpApiException(400, "Give exactly one of the query parameters jti and subject.");
        }
        if (!store().remove(jti != null ? "jti" : "subject", jti != null ? jti : subject)) {
            throw new HttpApiException(404, "No such revocation.");
        }
    }

    private RevokedTokenStore store() {
        ClusterMember member = node.member();
        if (member == null) {
            throw new HttpApiException(503, "The node has not joined its cluster yet; retry.");
        }
        return member.revokedTokens();
    }
}
