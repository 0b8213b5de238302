/**
 * The durable source of truth under the Hazelcast maps: {@link io.strata.membership.durable.MetadataStore}
 * (shared storage: a directory on one machine, the object store in production) and the write-through
 * {@link io.strata.membership.durable.MetadataMapStore} adapter.
 *
 * <h2>Durable format</h2>
 * Every value is a byte array in an explicit, versioned, big-endian format; the in-memory Hazelcast
 * maps hold exactly the same bytes ({@code IMap<String, byte[]>}), so nothing goes through Java or
 * Hazelcast object serialization. Strings are {@code i32 byteLength | UTF-8} ({@code -1} for null);
 * UUIDs are {@code i64 msb | i64 lsb}. The first byte of each value is its format version; a
 * reader refuses versions it does not know and still reads the older ones listed here.
 * <table>
 * <caption>Keys and values</caption>
 * <tr><th>store key</th><th>value</th></tr>
 * <tr><td>{@code cluster/id}</td><td>the cluster id, UTF-8 (22 characters of URL-safe base64), created once</td></tr>
 * <tr><td>{@code topics/<topic>}</td><td>{@code u8 2 | str name | uuid topicId | i32 partitions |
 *     i32 replicationFactor (0 = default) | i32 n | (str configKey | str configValue) * n |
 *     i32 m | (i32 partition | i32 k | i32 replica * k) * m} (manual replica assignment, m = 0 when computed);
 *     version 1 lacks the assignment</td></tr>
 * <tr><td>{@code partitions/<topic>-<partition>}</td><td>{@code u8 2 | uuid topicId | i32 leader (-1: none) |
 *     i32 leaderEpoch | i32 partitionEpoch | i32 n | i32 replica * n | i32 m | i32 isr * m}; version 1
 *     ({@code u8 1 | uuid | i32 leader | i32 leaderEpoch | i32 n | i32 replica * n}) reads as partition
 *     epoch = leader epoch, ISR = the leader (the first replica when there is none)</td></tr>
 * <tr><td>{@code controller/controller}</td><td>{@code u8 1 | i32 nodeId | i32 controllerEpoch}</td></tr>
 * <tr><td>{@code group-offsets/<group>}</td><td>{@code u8 1 | i32 n | (str topic | i32 partition | i64 offset |
 *     i32 leaderEpoch | str metadata | i64 commitTimestampMs) * n}</td></tr>
 * <tr><td>{@code producer-ids/next-block}</td><td>{@code u8 1 | i64 firstUnreservedProducerId}</td></tr>
 * </table>
 * How keys map to files is described in {@link io.strata.membership.durable.FileMetadataStore}.
 */
package io.strata.membership.durable;
