package io.strata.ingest.http.admin;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.smallrye.common.annotation.Blocking;
import io.strata.ingest.http.common.ErrorBody;
import io.strata.ingest.node.StrataNode;
import io.strata.ingest.scaling.ElasticScaling;
import io.strata.membership.balance.ClusterBalancer;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.Comparator;
import java.util.List;

/**
 * Scale in: drain a node (move its replicas to the other nodes, keeping every replication factor, with its
 * leaderships) and optionally stop it, from any node of the cluster; and the balance of replicas and leaders over
 * the nodes. Stateless; the work happens in the controller's balancer.
 */
@Path("/admin/nodes")
@Tag(name = "Cluster scaling")
@Produces(MediaType.APPLICATION_JSON)
public class NodeDrainResource {

    @Inject
    StrataNode node;

    /** A node's share of the cluster and its drain. */
    @Schema(name = "NodeStatus")
    public record NodeStatus(@JsonProperty("node") int node,
                             @JsonProperty("live") boolean live,
                             @JsonProperty("draining") boolean draining,
                             @JsonProperty("stop_when_drained") boolean stopWhenDrained,
                             @JsonProperty("replicas") int replicas,
                             @JsonProperty("leaders") int leaders,
                             @JsonProperty("moves_in_progress") long movesInProgress) {
    }

    /** A refused drain: why, and the partitions that would be left with too few replicas. */
    @Schema(name = "DrainRefused")
    public record DrainRefused(@JsonProperty("error_code") int errorCode, @JsonProperty("message") String message,
                               @JsonProperty("partitions") List<String> partitions) {
    }

    @GET
    @Blocking
    @Operation(summary = "Replicas and leaders per node",
            description = "Every live node and every node still named as a replica, with its replica and leader counts "
                    + "and whether it is draining.")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = NodeStatus[].class)))
    public List<NodeStatus> nodes() {
        ElasticScaling s = scaling();
        long moves = s.movesInProgress();
        return s.loads().values().stream().sorted(Comparator.comparingInt(ClusterBalancer.NodeLoad::nodeId))
                .map(l -> status(s, l, moves)).toList();
    }

    @POST
    @Path("/{id}/drain")
    @Blocking
    @Operation(summary = "Drain a node (scale in)",
            description = "Moves every replica of the node to the other nodes, keeping each partition's replication "
                    + "factor (a new replica starts at the object store's end and copies only the untiered tail), a "
                    + "few moves at a time (strata.balancer.max-concurrent-moves); its leaderships move with them. "
                    + "With stop=true (default) the node stops by itself once it holds no replica. Answers at once; "
                    + "GET the same path to follow the drain. Refused with 409 when the other live nodes are too few "
                    + "for some partition's replication factor: nothing is moved then.")
    @APIResponse(responseCode = "202", description = "Draining", content = @Content(schema = @Schema(implementation = NodeStatus.class)))
    @APIResponse(responseCode = "404", description = "No such live node", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    @APIResponse(responseCode = "409", description = "Too few other nodes for some replication factor",
            content = @Content(schema = @Schema(implementation = DrainRefused.class)))
    public Response drain(@PathParam("id") int id,
                          @Parameter(description = "Stop the node once it holds no replica")
                          @QueryParam("stop") @DefaultValue("true") boolean stop) {
        ElasticScaling s = scaling();
        if (!s.isLive(id)) {
            return Response.status(404).entity(new ErrorBody(404, "Node " + id + " is not a live member of the cluster"))
                    .build();
        }
        ElasticScaling.DrainAnswer answer = s.requestDrain(id, stop);
        if (!answer.accepted()) {
            return Response.status(409).entity(new DrainRefused(409, answer.message(), answer.blockers())).build();
        }
        return Response.status(202).entity(status(s, s.load(id), s.movesInProgress())).build();
    }

    @GET
    @Path("/{id}/drain")
    @Blocking
    @Operation(summary = "A node's drain status", description = "Replicas and leaders still on the node; 0 and 0 "
            + "means drained.")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = NodeStatus.class)))
    public NodeStatus drainStatus(@PathParam("id") int id) {
        ElasticScaling s = scaling();
        return status(s, s.load(id), s.movesInProgress());
    }

    @DELETE
    @Path("/{id}/drain")
    @Blocking
    @Operation(summary = "Cancel a drain", description = "The node keeps the replicas it still holds and stays; moves "
            + "already started complete.")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = NodeStatus.class)))
    public NodeStatus cancel(@PathParam("id") int id) {
        ElasticScaling s = scaling();
        s.cancelDrain(id);
        return status(s, s.load(id), s.movesInProgress());
    }

    private ElasticScaling scaling() {
        ElasticScaling s = node.scaling();
        if (s == null) {
            throw new jakarta.ws.rs.WebApplicationException(Response.status(503)
                    .entity(new ErrorBody(503, "The node is not serving yet")).type(MediaType.APPLICATION_JSON).build());
        }
        return s;
    }

    private static NodeStatus status(ElasticScaling s, ClusterBalancer.NodeLoad load, long moves) {
        int id = load.nodeId();
        return new NodeStatus(id, s.isLive(id), s.isDraining(id), s.stopsWhenDrained(id), load.replicas(), load.leaders(),
                moves);
    }
}
