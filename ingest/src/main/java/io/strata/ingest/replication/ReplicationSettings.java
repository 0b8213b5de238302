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
 * @param reconcileIntervalMs   how often a node compares the partition states it applied with the cluster's
 *                              and applies those it missed (no Kafka equivalent: a KRaft broker replays the
 *                              metadata log, which has no gaps)
 */
public record ReplicationSettings(long replicaLagTimeMaxMs, long fetchMaxWaitMs, int fetchMaxBytes,
                                  int fetchResponseMaxBytes, long fetchBackoffMs, long socketTimeoutMs,
                                  long reconcileIntervalMs) {

    public ReplicationSettings {
        if (replicaLagTimeMaxMs <= 0 || fetchMaxWaitMs < 0 || fetchMaxBytes <= 0 || fetchResponseMaxBytes <= 0
                || fetchBackoffMs <= 0 || socketTimeoutMs <= fetchMaxWaitMs || reconcileIntervalMs <= 0) {
            throw new IllegalArgumentException("Invalid replication settings (lag " + replicaLagTimeMaxMs + " ms, fetch wait "
                    + fetchMaxWaitMs + " ms, socket timeout " + socketTimeoutMs
                    + " ms, reconcile interval " + reconcileIntervalMs
                    + " ms): sizes and times must be positive and the socket timeout longer than the fetch wait");
        }
    }
}
