package io.strata.ingest.kafka.network;

import io.strata.ingest.kafka.network.KafkaConnection.ParsedRequest;
import io.strata.ingest.node.InProcessNode;
import io.strata.membership.topic.TopicDescriptor;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.network.ListenerName;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.security.auth.KafkaPrincipal;
import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every request frame of the fuzz corpus (one or two of each API and version, and the past findings) replayed
 * through a node with the authorizer on, from a SASL listener: as a user no ACL allows anything, and as a user
 * ACLs allow everything. Each must be answered (no exception, no UNKNOWN_SERVER_ERROR) with a response that
 * serialises at the request's version, also where the authorizer took parts out of the request and added their
 * errors to the answer; and the refused user must change no topic.
 */
class AuthorizedRequestsTest {

    private static final InetSocketAddress CLIENT = new InetSocketAddress("127.0.0.1", 40001);
    private static final Path INPUTS = Paths.get("src", "test", "resources", "io", "strata", "ingest", "kafka",
            "network", "KafkaRequestFuzzTestInputs", "requestFrame");

    @TempDir
    static Path dir;
    private static InProcessNode node;

    @BeforeAll
    static void start() throws Exception {
        node = InProcessNode.start(dir, Map.of("strata.security.authorizer.enabled", "true",
                "strata.group.initial-rebalance-delay", "0s",
                "strata.kafka.max-partitions-per-request", String.valueOf(KafkaRequestFuzzTest.MAX_PARTITIONS_PER_REQUEST)));
        node.topics().createTopic(KafkaRequestFuzzTest.TOPIC, 2, 1, Map.of(), Map.of(), false);
        for (ResourceType type : List.of(ResourceType.TOPIC, ResourceType.GROUP, ResourceType.TRANSACTIONAL_ID)) {
            allowAll(new ResourcePattern(type, "*", PatternType.LITERAL));
        }
        allowAll(new ResourcePattern(ResourceType.CLUSTER, "kafka-cluster", PatternType.LITERAL));
    }

    private static void allowAll(ResourcePattern pattern) {
        node.member().acls().add(new AclBinding(pattern, new AccessControlEntry("User:alice", "*", AclOperation.ALL,
                AclPermissionType.ALLOW)));
    }

    @AfterAll
    static void stop() throws Exception {
        if (node != null) {
            node.close();
        }
    }

    private static List<Path> inputs() throws Exception {
        try (Stream<Path> files = Files.list(INPUTS)) {
            return files.sorted().toList();
        }
    }

    private static Map<String, Integer> topicPartitions() {
        return node.topics().topics().stream()
                .collect(Collectors.toMap(TopicDescriptor::name, TopicDescriptor::partitions, (a, b) -> a, TreeMap::new));
    }

    @Test
    void aUserNoAclAllowsGetsAnswersAndChangesNothing() throws Exception {
        Map<String, Integer> before = topicPartitions();
        int answered = 0;
        for (Path input : inputs()) {
            if (replay(input, new KafkaPrincipal("User", "bob")) != null) {
                answered++;
            }
        }
        assertThat(answered).isGreaterThan(50);
        assertThat(topicPartitions()).as("topics and partition counts").isEqualTo(before);
    }

    @Test
    void aUserAclsAllowEverythingGetsAnswers() throws Exception {
        int answered = 0;
        for (Path input : inputs()) {
            if (replay(input, new KafkaPrincipal("User", "alice")) != null) {
                answered++;
            }
        }
        assertThat(answered).isGreaterThan(50);
    }

    /** One frame from a SASL connection of {@code principal}; its response parsed back, or null (none due). */
    private static AbstractResponse replay(Path input, KafkaPrincipal principal) throws Exception {
        ConnectionIdentity identity = new ConnectionIdentity(new ListenerName("SASL_PLAINTEXT"),
                SecurityProtocol.SASL_PLAINTEXT);
        identity.principal(principal);
        ParsedRequest parsed;
        try {
            parsed = KafkaConnection.parse(ByteBuffer.wrap(Files.readAllBytes(input)), "authz", CLIENT, identity);
        } catch (RuntimeException unreadable) {
            return null;
        }
        AbstractRequest request = parsed.request();
        String what = input.getFileName() + " (" + request.apiKey() + " v" + request.version() + ") as " + principal;
        CompletableFuture<AbstractResponse> future;
        try {
            future = node.apis().handle(parsed.context(), request);
        } catch (RuntimeException e) {
            throw new AssertionError(what + " threw out of the handler", e);
        }
        if (!future.isDone()) {
            node.releaseWaiting(Integer.MAX_VALUE + 1_000L);
        }
        AbstractResponse response;
        try {
            response = future.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof CompletionException c ? c.getCause() : e.getCause();
            if (cause instanceof CloseConnectionException) {
                return null; // acks=0 produce refused: the connection closes
            }
            throw new AssertionError(what + " failed", cause);
        }
        if (response == null) {
            assertThat(request.apiKey() == ApiKeys.PRODUCE && ((ProduceRequest) request).acks() == 0)
                    .as("%s answered nothing", what).isTrue();
            return null;
        }
        AbstractResponse parsedBack = KafkaRequestFuzzTest.roundTrip(parsed, response, what);
        assertThat(KafkaRequestFuzzTest.errorCounts(parsedBack)).as("%s error counts", what).doesNotContainKey(Errors.UNKNOWN_SERVER_ERROR);
        return parsedBack;
    }
}
