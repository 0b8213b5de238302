package io.strata.ingest.http.produce;

import org.apache.kafka.common.header.Header;

import java.util.List;

/**
 * One record to produce over HTTP, already decoded to bytes.
 *
 * @param partition explicit partition, or null to choose by key (murmur2) or spread unkeyed records
 * @param key       null for no key
 * @param value     null for a tombstone
 * @param headers   record headers (never null)
 * @param timestamp create time in ms, or null for now
 */
public record ProduceRecord(Integer partition, byte[] key, byte[] value, List<Header> headers, Long timestamp) {

    public ProduceRecord {
        headers = headers == null ? List.of() : headers;
    }

    /** Approximate bytes the record occupies, for batching and limits. */
    public int sizeEstimate() {
        int size = 32 + (key == null ? 0 : key.length) + (value == null ? 0 : value.length);
        for (Header h : headers) {
            size += h.key().length() + (h.value() == null ? 0 : h.value().length) + 8;
        }
        return size;
    }
}
