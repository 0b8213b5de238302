package io.strata.ingest.http.restproxy.v2;

/** Confluent REST Proxy v2 error codes (the first three digits are the HTTP status). */
public final class V2ErrorCodes {
    /** The request did not authenticate (no, wrong or expired credentials). */
    public static final int AUTHENTICATION_FAILED = 40101;
    /** The authenticated principal may not do this (ACLs, or another principal's consumer instance). */
    public static final int AUTHORIZATION_FAILED = 40301;
    public static final int TOPIC_NOT_FOUND = 40401;
    public static final int PARTITION_NOT_FOUND = 40402;
    /** Used by consumer instances. */
    public static final int CONSUMER_INSTANCE_NOT_FOUND = 40403;
    /** Used by consumer instances: the Accept header asks for another embedded format than the instance's. */
    public static final int NOT_ACCEPTABLE = 40601;
    public static final int CONSUMER_ALREADY_EXISTS = 40902;
    /** A Kafka consumer call not allowed in the instance's state (e.g. subscribe after assign). */
    public static final int ILLEGAL_STATE = 40903;
    public static final int INVALID_CONSUMER_CONFIG = 42204;
    /** Too many consumer instances on this node. */
    public static final int TOO_MANY_CONSUMERS = 42901;
    public static final int UNSUPPORTED_MEDIA_TYPE = 415;
    public static final int KEY_SCHEMA_MISSING = 42201;
    public static final int VALUE_SCHEMA_MISSING = 42202;
    public static final int INVALID_PAYLOAD = 42206;
    public static final int INTERNAL_SERVER_ERROR = 50001;
    public static final int KAFKA_ERROR = 50002;
    public static final int KAFKA_RETRIABLE_ERROR = 50003;
    /** Per-record error_code of a produce response: a Kafka error that retrying will not fix. */
    public static final int RECORD_NON_RETRIABLE = 1;
    /** Per-record error_code of a produce response: a Kafka error worth retrying. */
    public static final int RECORD_RETRIABLE = 2;

    private V2ErrorCodes() {
    }
}
