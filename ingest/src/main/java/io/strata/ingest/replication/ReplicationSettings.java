package io.strata.ingest.replication;

/**
 * How replicas fetch and when they fall out of sync; Kafka's broker settings of the same meaning in
 * brackets.
 *
 * @param replicaLagTimeMaxMs   an in-sync follower not caught up for this long leaves the ISR (replica.lag.time.max.ms)
 * @param fetchMaxWaitMs        how long a follower's fetch waits at the leader for new batches (replica.fetch.wait.max.ms)
 * @param fetchMaxBytes         bytes per partition in one fetch (replica.fetch.max.bytes)
 * @param fetchResponseMaxBytes bytes in one fetch response (replica.fetch.response.max.bytes)
 * @param fetchBackoffMs        pause after a failed fetch (replica.fetch.backoff.ms)
 * @param socketTimeoutMs       connect and request timeout towards a leader (replica.socket.timeout.ms)
 */
public record ReplicationSettings(long replicaLagTimeMaxMs, long fetchMaxWaitMs, int fetchMaxBytes,
                                  int fetchResponseMaxBytes, long fetchBackoffMs, long socketTimeoutMs) {

    public ReplicationSettings {
        if (replicaLagTimeMaxMs <= 0 || fetchMaxWaitMs < 0 || fetchMaxBytes <= 0 || fetchResponseMaxBytes <= 0
                || fetchBackoffMs <= 0 || socketTimeoutMs <= fetchMaxWaitMs) {
            throw new IllegalArgumentException("Invalid replication settings (lag " + replicaLagTimeMaxMs + " ms, fetch wait "
                    + fetchMaxWaitMs + " ms, socket timeout " + socketTimeoutMs
                    + " ms): sizes and times must be positive and the socket timeout longer than the fetch wait");
        }
    }
}
