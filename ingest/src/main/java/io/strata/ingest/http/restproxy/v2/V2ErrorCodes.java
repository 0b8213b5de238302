package io.strata.ingest.http.restproxy.v2;

/** Confluent REST Proxy v2 error codes (the first three digits are the HTTP status). */
public final class V2ErrorCodes {
    public static final int TOPIC_NOT_FOUND = 40401;
    public static final int PARTITION_NOT_FOUND = 40402;
    /** Used by consumer instances. */
    public static final int CONSUMER_INSTANCE_NOT_FOUND = 40403;
    public static final int NOT_ACCEPTABLE = 40601;
    public static final int UNSUPPORTED_MEDIA_TYPE = 415;
    public static final int KEY_SCHEMA_MISSING = 42201;
    public static final int VALUE_SCHEMA_MISSING = 42202;
    public static final int INVALID_PAYLOAD = 42206;
    public static final int INTERNAL_SERVER_ERROR = 50001;
    public static final int KAFKA_ERROR = 50002;
    /** Per-record error_code of a produce response: a Kafka error that retrying will not fix. */
    public static final int RECORD_NON_RETRIABLE = 1;
    /** Per-record error_code of a produce response: a Kafka error worth retrying. */
    public static final int RECORD_RETRIABLE = 2;

    private V2ErrorCodes() {
    }
}
