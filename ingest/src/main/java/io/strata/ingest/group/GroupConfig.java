package io.strata.ingest.group;

import java.util.List;

/**
 * Coordinator settings, named after the Kafka broker settings they mirror.
 *
 * @param initialRebalanceDelayMs   group.initial.rebalance.delay.ms: how long the first rebalance of an
 *                                  empty classic group waits for more members
 * @param minSessionTimeoutMs       group.min.session.timeout.ms
 * @param maxSessionTimeoutMs       group.max.session.timeout.ms
 * @param maxGroupSize              group.max.size (members per group)
 * @param consumerSessionTimeoutMs  group.consumer.session.timeout.ms (KIP-848 groups)
 * @param consumerHeartbeatIntervalMs group.consumer.heartbeat.interval.ms (KIP-848 groups)
 * @param consumerAssignors         group.consumer.assignors: server-side assignors, the first is the default
 * @param emptyGroupCleanupIntervalMs how often empty groups without committed offsets are forgotten
 */
public record GroupConfig(long initialRebalanceDelayMs, int minSessionTimeoutMs, int maxSessionTimeoutMs,
                          int maxGroupSize, int consumerSessionTimeoutMs, int consumerHeartbeatIntervalMs,
                          List<String> consumerAssignors, long emptyGroupCleanupIntervalMs) {

    /** Apache Kafka's defaults. */
    public static GroupConfig defaults() {
        return new GroupConfig(3_000, 6_000, 1_800_000, Integer.MAX_VALUE, 45_000, 5_000,
                List.of("uniform", "range"), 600_000);
    }

    public GroupConfig withInitialRebalanceDelayMs(long ms) {
        return new GroupConfig(ms, minSessionTimeoutMs, maxSessionTimeoutMs, maxGroupSize, consumerSessionTimeoutMs,
                consumerHeartbeatIntervalMs, consumerAssignors, emptyGroupCleanupIntervalMs);
    }
}
