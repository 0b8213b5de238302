package io.strata.ingest.quota;

/**
 * The client quotas a node enforces, by their Kafka config keys: bytes produced per second, bytes fetched per
 * second, and the share of one request thread's time (in percent) spent on a client's requests.
 */
public enum QuotaType {
    PRODUCE("producer_byte_rate", "Produce", "byte-rate"),
    FETCH("consumer_byte_rate", "Fetch", "byte-rate"),
    REQUEST("request_percentage", "Request", "request-time");

    private final String configKey;
    private final String metricGroup;
    private final String metricName;

    QuotaType(String configKey, String metricGroup, String metricName) {
        this.configKey = configKey;
        this.metricGroup = metricGroup;
        this.metricName = metricName;
    }

    /** The key of this quota in AlterClientQuotas and kafka-configs, e.g. {@code producer_byte_rate}. */
    public String configKey() {
        return configKey;
    }

    /** Kafka's name of this quota's metric group (and of its sensors' prefix). */
    String metricGroup() {
        return metricGroup;
    }

    String metricName() {
        return metricName;
    }
}
