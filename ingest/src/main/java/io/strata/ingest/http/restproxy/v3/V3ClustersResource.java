package io.strata.ingest.http.restproxy.v3;

import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.acl.AclOperation;
import io.strata.ingest.http.security.HttpAccess;
import io.smallrye.common.annotation.Blocking;
import io.strata.ingest.http.common.ErrorBody;
import io.strata.ingest.http.common.HttpApiException;
import io.strata.ingest.http.common.TopicCatalog;
import io.strata.ingest.http.produce.HttpProducer;
import io.strata.ingest.http.produce.TopicNotFoundException;
import io.strata.membership.topic.TopicDescriptor;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;
import org.apache.kafka.common.internals.Topic;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.List;

/** REST Proxy v3 cluster, topic and partition metadata. The cluster id is the node's Kafka cluster id. */
@Path("/v3/clusters")
@Tag(name = "REST Proxy v3")
@Blocking
@Produces(MediaType.APPLICATION_JSON)
public class V3ClustersResource {

    @Inject
    TopicCatalog catalog;

    @Inject
    HttpProducer producer;

    @Inject
    HttpAccess access;

    @Context
    UriInfo uri;

    @GET
    @Operation(summary = "List clusters (the one this node belongs to)")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = V3Model.ClusterList.class)))
    public V3Model.ClusterList clusters() {
        return new V3Model.ClusterList("KafkaClusterList", new V3Model.ListMetadata(url("v3/clusters"), null),
                List.of(cluster()));
    }

    @GET
    @Path("/{cluster_id}")
    @Operation(summary = "Describe the cluster")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = V3Model.Cluster.class)))
    @APIResponse(responseCode = "404", description = "Unknown cluster", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    public V3Model.Cluster cluster(@PathParam("cluster_id") String clusterId) {
        checkCluster(clusterId);
        return cluster();
    }

    @GET
    @Path("/{cluster_id}/topics")
    @Operation(summary = "List topics")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = V3Model.TopicList.class)))
    @APIResponse(responseCode = "404", description = "Unknown cluster", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    public V3Model.TopicList topics(@PathParam("cluster_id") String clusterId) {
        checkCluster(clusterId);
        List<V3Model.Topic> topics = catalog.topicNames().stream()
                .filter(name -> access.allowed(AclOperation.DESCRIBE, ResourceType.TOPIC, name))
                .map(name -> producer.topicIfExists(name))
                .filter(java.util.Objects::nonNull)
                .map(this::topic)
                .toList();
        return new V3Model.TopicList("KafkaTopicList", new V3Model.ListMetadata(clusterUrl() + "/topics", null), topics);
    }

    @GET
    @Path("/{cluster_id}/topics/{topic_name}")
    @Operation(summary = "Describe a topic")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = V3Model.Topic.class)))
    @APIResponse(responseCode = "404", description = "Unknown cluster or topic", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    public V3Model.Topic topic(@PathParam("cluster_id") String clusterId, @PathParam("topic_name") String topicName) {
        checkCluster(clusterId);
        return topic(existing(topicName));
    }

    @GET
    @Path("/{cluster_id}/topics/{topic_name}/partitions")
    @Operation(summary = "List a topic's partitions")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = V3Model.PartitionList.class)))
    @APIResponse(responseCode = "404", description = "Unknown cluster or topic", content = @Content(schema = @Schema(implementation = ErrorBody.class)))
    public V3Model.PartitionList partitions(@PathParam("cluster_id") String clusterId, @PathParam("topic_name") String topicName) {
        checkCluster(clusterId);
        TopicDescriptor topic = existing(topicName);
        String base = topicUrl(topic.name()) + "/partitions";
        List<V3Model.Partition> partitions = catalog.partitions(topic).stream().map(p -> new V3Model.Partition(
                "KafkaPartition",
                new V3Model.Metadata(base + "/" + p.partition(), crn() + "/topic=" + topic.name() + "/partition=" + p.partition()),
                catalog.clusterId(), topic.name(), p.partition(),
                new V3Model.Related(base + "/" + p.partition() + "/replicas/" + p.leader()),
                new V3Model.Related(base + "/" + p.partition() + "/replicas"))).toList();
        return new V3Model.PartitionList("KafkaPartitionList", new V3Model.ListMetadata(base, null), partitions);
    }

    void checkCluster(String clusterId) {
        if (!catalog.clusterId().equals(clusterId)) {
            throw new HttpApiException(404, "Cluster " + clusterId + " not found.");
        }
    }

    private TopicDescriptor existing(String name) {
        access.requireTopic(AclOperation.DESCRIBE, name, false);
        try {
            return producer.existingTopic(name);
        } catch (TopicNotFoundException e) {
            throw new HttpApiException(404, "This server does not host this topic-partition.");
        }
    }

    private V3Model.Cluster cluster() {
        String self = clusterUrl();
        return new V3Model.Cluster("KafkaCluster", new V3Model.Metadata(self, crn()), catalog.clusterId(),
                new V3Model.Related(self + "/brokers/" + catalog.nodeId()),
                new V3Model.Related(self + "/brokers"),
                new V3Model.Related(self + "/topics"));
    }

    private V3Model.Topic topic(TopicDescriptor topic) {
        String self = topicUrl(topic.name());
        return new V3Model.Topic("KafkaTopic", new V3Model.Metadata(self, crn() + "/topic=" + topic.name()),
                catalog.clusterId(), topic.name(), Topic.isInternal(topic.name()), catalog.replicationFactor(topic),
                topic.partitions(),
                new V3Model.Related(self + "/partitions"), new V3Model.Related(self + "/configs"));
    }

    private String crn() {
        return "crn:///kafka=" + catalog.clusterId();
    }

    private String clusterUrl() {
        return url("v3/clusters/" + catalog.clusterId());
    }

    private String topicUrl(String topic) {
        return clusterUrl() + "/topics/" + topic;
    }

    private String url(String path) {
        return uri.getBaseUri().resolve(path).toString();
    }
}
