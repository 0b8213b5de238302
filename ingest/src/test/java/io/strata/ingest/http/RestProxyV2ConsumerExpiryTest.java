package io.strata.ingest.http;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.strata.ingest.node.StrataNode;
import jakarta.inject.Inject;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static io.strata.ingest.http.HttpTests.BINARY_V2;
import static io.strata.ingest.http.HttpTests.V2;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/** Consumer instances nobody uses expire and leave their group; instances in use do not. */
@QuarkusTest
@TestProfile(RestProxyV2ConsumerExpiryTest.ShortInstanceTimeout.class)
class RestProxyV2ConsumerExpiryTest {

    public static final class ShortInstanceTimeout implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("strata.http.consumer.instance-timeout", "3s");
        }
    }

    private static final String RUN = Long.toString(System.nanoTime(), 36);

    @Inject
    StrataNode node;

    @BeforeAll
    static void setUp() {
        HttpTests.textBodies();
    }

    @Test
    void anIdleInstanceExpiresAndLeavesItsGroupWhileAnInstanceInUseStays() throws Exception {
        String topic = "v2c-expiry-" + RUN;
        String group = "v2c-expiry-group-" + RUN;
        KafkaSide kafka = new KafkaSide(node);
        kafka.createTopic(topic, 2);
        String busy = RestProxyV2ConsumerTest.create(group, "{\"name\":\"busy\"}");
        given().contentType(V2).body("{\"topics\":[\"" + topic + "\"]}").when().post(busy + "/subscription").then().statusCode(204);
        String idle = RestProxyV2ConsumerTest.create(group, "{\"name\":\"idle\"}");
        given().contentType(V2).body("{\"topics\":[\"" + topic + "\"]}").when().post(idle + "/subscription").then().statusCode(204);
        try (Admin admin = kafka.admin()) {
            // Both join (the idle one on its single read); then only "busy" keeps being used, for over twice the timeout.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (members(admin, group) < 2 && System.nanoTime() < deadline) {
                for (String instance : List.of(idle, busy)) {
                    given().accept(BINARY_V2).queryParam("timeout", 100).when().get(instance + "/records").then().statusCode(200);
                }
            }
            assertThat(members(admin, group)).isEqualTo(2);
            long usedUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(7000);
            while (System.nanoTime() < usedUntil) {
                given().accept(BINARY_V2).queryParam("timeout", 200).when().get(busy + "/records").then().statusCode(200);
            }
            given().when().get(idle + "/subscription").then().statusCode(404).body("error_code", equalTo(40403));
            given().when().get(busy + "/subscription").then().statusCode(200).body("topics", equalTo(List.of(topic)));

            // The expired instance left the group: the group is down to one member, which then has every partition.
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            ConsumerGroupDescription group1 = describe(admin, group);
            while ((group1.members().size() != 1 || group1.members().iterator().next().assignment().topicPartitions().size() != 2)
                    && System.nanoTime() < until) {
                given().accept(BINARY_V2).queryParam("timeout", 200).when().get(busy + "/records").then().statusCode(200);
                group1 = describe(admin, group);
            }
            assertThat(group1.members()).hasSize(1);
            assertThat(group1.members().iterator().next().clientId()).isEqualTo("busy");
            assertThat(group1.members().iterator().next().assignment().topicPartitions()).hasSize(2);
        }
        // Left alone, the other one expires too and the group becomes empty (watched without touching the instance:
        // any request to it counts as use).
        try (Admin admin = kafka.admin()) {
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (members(admin, group) != 0 && System.nanoTime() < until) {
                Thread.sleep(200);
            }
            assertThat(members(admin, group)).isZero();
        }
        given().when().get(busy + "/assignments").then().statusCode(404).body("error_code", equalTo(40403));
    }

    private static ConsumerGroupDescription describe(Admin admin, String group) throws Exception {
        return admin.describeConsumerGroups(List.of(group)).describedGroups().get(group).get();
    }

    /** Members of the group; a group that does not exist (yet, or any more) has none. */
    private static int members(Admin admin, String group) throws Exception {
        try {
            return describe(admin, group).members().size();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GroupIdNotFoundException) {
                return 0;
            }
            throw e;
        }
    }
}
