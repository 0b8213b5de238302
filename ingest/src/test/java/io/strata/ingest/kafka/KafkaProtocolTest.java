package io.strata.ingest.kafka;

import io.quarkus.test.junit.QuarkusTest;
import io.strata.ingest.node.StrataNode;
import jakarta.inject.Inject;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.internal.MemoryRecords;
import org.apache.kafka.common.record.internal.SimpleRecord;
import org.apache.kafka.common.requests.ApiVersionsRequest;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.DescribeAclsRequest;
import org.apache.kafka.common.requests.DescribeAclsResponse;
import org.apache.kafka.common.requests.DescribeDelegationTokenRequest;
import org.apache.kafka.common.requests.DescribeDelegationTokenResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.ResponseHeader;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/** Protocol edge cases at exact versions, on a node running in-process. */
@QuarkusTest
class KafkaProtocolTest {

    @Inject
    StrataNode node;

    private RawKafkaClient connect() throws java.io.IOException {
        return new RawKafkaClient("127.0.0.1", node.brokerNode().port());
    }

    @Test
    void apiVersionsAdvertisesEveryImplementedApiAndNothingElse() throws Exception {
        try (RawKafkaClient client = connect()) {
            ApiVersionsResponse response = (ApiVersionsResponse) client.send(
                    new ApiVersionsRequest.Builder().build(ApiKeys.API_VERSIONS.latestVersion()));
            assertThat(response.data().errorCode()).isEqualTo(Errors.NONE.code());
            assertThat(response.data().apiKeys()).extracting(ApiVersionsResponseData.ApiVersion::apiKey)
                    .contains(ApiKeys.PRODUCE.id, ApiKeys.FETCH.id, ApiKeys.METADATA.id, ApiKeys.LIST_OFFSETS.id,
                            ApiKeys.FIND_COORDINATOR.id, ApiKeys.JOIN_GROUP.id, ApiKeys.OFFSET_COMMIT.id,
                            ApiKeys.CONSUMER_GROUP_HEARTBEAT.id, ApiKeys.SASL_HANDSHAKE.id, ApiKeys.SASL_AUTHENTICATE.id)
                    .doesNotContain(ApiKeys.DESCRIBE_DELEGATION_TOKEN.id);
            assertThat(response.data().apiKeys().find(ApiKeys.PRODUCE.id).minVersion()).isEqualTo((short) 0);
        }
    }

    @Test
    void apiVersionsAtAnUnknownVersionGetsAVersionZeroErrorListingTheSupportedRange() throws Exception {
        try (RawKafkaClient client = connect()) {
            ByteBuffer frame = client.sendApiVersionsAtVersion((short) 999);
            ResponseHeader.parse(frame, (short) 0);
            ApiVersionsResponseData data = new ApiVersionsResponseData(new ByteBufferAccessor(frame), (short) 0);
            assertThat(data.errorCode()).isEqualTo(Errors.UNSUPPORTED_VERSION.code());
            assertThat(data.apiKeys().find(ApiKeys.API_VERSIONS.id)).isNotNull();
            // The connection stays usable: the client retries at a version both sides know.
            ApiVersionsResponse retry = (ApiVersionsResponse) client.send(
                    new ApiVersionsRequest(new ApiVersionsRequestData()
                            .setClientSoftwareName("raw-test").setClientSoftwareVersion("1.0"), (short) 3));
            assertThat(retry.data().errorCode()).isEqualTo(Errors.NONE.code());
        }
    }

    @Test
    void anApiThatIsNotImplementedGetsAnErrorResponseNotSilence() throws Exception {
        try (RawKafkaClient client = connect()) {
            DescribeDelegationTokenResponse response = (DescribeDelegationTokenResponse) client.send(
                    new DescribeDelegationTokenRequest.Builder(null).build((short) 3));
            assertThat(response.error()).isEqualTo(Errors.UNSUPPORTED_VERSION);
        }
    }

    @Test
    void aclApisWithoutAnAuthorizerAnswerSecurityDisabledAsKafkaDoes() throws Exception {
        try (RawKafkaClient client = connect()) {
            DescribeAclsResponse response = (DescribeAclsResponse) client.send(
                    new DescribeAclsRequest.Builder(AclBindingFilter.ANY).build((short) 3));
            assertThat(response.error().error()).isEqualTo(Errors.SECURITY_DISABLED);
        }
    }

    @Test
    void produceToAnUnknownTopicIsRejectedPerPartition() throws Exception {
        try (RawKafkaClient client = connect()) {
            MemoryRecords records = MemoryRecords.withRecords(Compression.NONE,
                    new SimpleRecord("v".getBytes(StandardCharsets.UTF_8)));
            ProduceRequestData data = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(5000);
            ProduceRequestData.TopicProduceData topic = new ProduceRequestData.TopicProduceData().setName("no-such-topic");
            topic.partitionData().add(new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(records));
            data.topicData().add(topic);
            ProduceResponse response = (ProduceResponse) client.send(new ProduceRequest(data, (short) 9));
            assertThat(response.data().responses().iterator().next().partitionResponses().get(0).errorCode())
                    .isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
        }
    }

    @Test
    void aFrameThatIsNotKafkaClosesTheConnectionAndTheNodeStaysReady() throws Exception {
        try (RawKafkaClient client = connect()) {
            client.writeFrame(ByteBuffer.wrap(new byte[]{0x7f, 0x7f, 0, 0, 0, 0, 0, 1}));
            assertThat(client.closedByPeer()).isTrue();
        }
        given().when().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
    }
}
