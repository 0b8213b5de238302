package io.strata.ingest.http.restproxy.v2;

/** Content types of Confluent REST Proxy v2. */
public final class V2MediaTypes {
    public static final String BINARY = "application/vnd.kafka.binary.v2+json";
    public static final String JSON = "application/vnd.kafka.json.v2+json";
    /** Responses (and the accepted Accept values). */
    public static final String V2 = "application/vnd.kafka.v2+json";
    public static final String KAFKA_JSON = "application/vnd.kafka+json";

    private V2MediaTypes() {
    }
}
