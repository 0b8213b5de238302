package io.strata.ingest.http;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.strata.ingest.broker.LeaderAppender;
import io.strata.ingest.broker.TopicManager;
import io.strata.ingest.http.common.HttpApiException;
import io.strata.ingest.http.common.HttpConfig;
import io.strata.ingest.http.common.TopicCatalog;
import io.strata.ingest.http.produce.HttpProducer;
import io.strata.ingest.kafka.api.BrokerNode;
import io.strata.ingest.node.InProcessNode;
import io.strata.ingest.node.LoggedFailures;
import io.strata.ingest.node.StrataNode;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The HTTP API's resources over an {@link InProcessNode}, without Quarkus: the beans the resources
 * inject ({@link HttpProducer}, {@link TopicCatalog}, {@link HttpConfig}, an {@link ObjectMapper}
 * configured as Quarkus configures its own) are made here and set into a resource's
 * {@code @Inject} fields by type, as CDI would. {@link #call} turns what a resource method returns
 * or throws into the status the node would answer (the node's exception mappers, and 500 for anything
 * they do not map), so tests can drive request bodies straight into the parsing and validation code.
 *
 * <p>Thread-safety: as the resources'.
 */
public final class HttpDoors implements AutoCloseable {

    /**
     * What a request got: the status, the body as written (a streamed body included), what broke the
     * request off (an exception the node would answer with 500, or that cut a started stream), and the
     * internal failures the node logged while answering.
     */
    public record Outcome(int status, byte[] body, Throwable failure, List<String> loggedFailures) {
        Outcome(int status, byte[] body, Throwable failure) {
            this(status, body, failure, List.of());
        }

        Outcome withLogged(List<String> logged) {
            return new Outcome(status, body, failure, logged);
        }

        public String text() {
            return new String(body, java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    private final Path dataDir;
    private final InProcessNode node;
    private final HttpConfig config;
    private final ObjectMapper mapper;
    private final HttpProducer producer = new HttpProducer();
    private final TopicCatalog catalog = new TopicCatalog();
    private final LoggedFailures loggedFailures = LoggedFailures.install();

    private HttpDoors(Path dataDir, InProcessNode node, HttpConfig config) {
        this.dataDir = dataDir;
        this.node = node;
        this.config = config;
        // Quarkus' defaults for its ObjectMapper: unknown properties ignored, ISO dates, modules found on the class path.
        this.mapper = JsonMapper.builder().findAndAddModules()
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS)
                .build();
        StrataNode strataNode = new StrataNode() {
            @Override
            public TopicManager topics() {
                return node.topics();
            }

            @Override
            public LeaderAppender appender() {
                return node.appender();
            }

            @Override
            public BrokerNode brokerNode() {
                return node.brokerNode();
            }

            @Override
            public boolean autoCreateTopics() {
                return node.autoCreateTopics();
            }
        };
        inject(producer, StrataNode.class, strataNode);
        inject(catalog, StrataNode.class, strataNode);
    }

    /** A lone node in a new temporary directory with {@code settings} ({@code strata.*}, {@code strata.http.*}). */
    public static HttpDoors start(Map<String, String> settings) throws IOException {
        Path dir = Files.createTempDirectory("http-doors");
        InProcessNode node = InProcessNode.start(dir, settings);
        return new HttpDoors(dir, node, InProcessNode.config(HttpConfig.class, settings));
    }

    public InProcessNode node() {
        return node;
    }

    public ObjectMapper mapper() {
        return mapper;
    }

    /** Sets the resource's injected fields (producer, catalog, config, mapper, an access check allowing all) and returns it. */
    public <T> T inject(T resource) {
        inject(resource, HttpProducer.class, producer);
        inject(resource, TopicCatalog.class, catalog);
        inject(resource, HttpConfig.class, config);
        inject(resource, ObjectMapper.class, mapper);
        inject(resource, io.strata.ingest.http.security.HttpAccess.class, io.strata.ingest.http.security.HttpAccess.unrestricted());
        return resource;
    }

    public HttpProducer producer() {
        return producer;
    }

    public HttpConfig config() {
        return config;
    }

    /**
     * Runs a resource method and answers as the node would: its Response (a streamed entity written
     * out), or the status the exception mappers give what it threw; anything unmapped is a 500.
     */
    public Outcome call(Supplier<Object> resourceMethod) {
        loggedFailures.watch();
        Outcome outcome = answer(resourceMethod);
        return outcome.withLogged(loggedFailures.failures());
    }

    private Outcome answer(Supplier<Object> resourceMethod) {
        Object result;
        try {
            result = resourceMethod.get();
        } catch (HttpApiException e) {
            return new Outcome(e.status(), bytes(e.getMessage()), null);
        } catch (WebApplicationException e) {
            return new Outcome(e.getResponse().getStatus(), bytes(e.getMessage()), null);
        } catch (RuntimeException e) {
            return new Outcome(500, bytes(e.toString()), e);
        }
        if (!(result instanceof Response response)) {
            return new Outcome(200, json(result), null);
        }
        Object entity = response.getEntity();
        if (entity instanceof StreamingOutput stream) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try {
                stream.write(out);
            } catch (IOException | RuntimeException e) {
                // The status line is already sent: the client sees a cut stream.
                return new Outcome(response.getStatus(), out.toByteArray(), e);
            }
            return new Outcome(response.getStatus(), out.toByteArray(), null);
        }
        return new Outcome(response.getStatus(), entity == null ? new byte[0] : json(entity), null);
    }

    private byte[] json(Object entity) {
        try {
            return mapper.writeValueAsBytes(entity);
        } catch (IOException e) {
            throw new AssertionError("The response entity cannot be written as JSON: " + entity, e);
        }
    }

    private static byte[] bytes(String s) {
        return String.valueOf(s).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Sets every field of {@code target}'s class hierarchy declared with type {@code type}. */
    private static void inject(Object target, Class<?> type, Object value) {
        for (Class<?> c = target.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (f.getType() == type && !java.lang.reflect.Modifier.isStatic(f.getModifiers())) {
                    try {
                        f.setAccessible(true);
                        f.set(target, value);
                    } catch (IllegalAccessException e) {
                        throw new IllegalStateException("Cannot set " + f, e);
                    }
                }
            }
        }
    }

    @Override
    public void close() throws IOException {
        loggedFailures.close();
        node.close();
        try (var files = Files.walk(dataDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
