package io.strata.spark;

import io.strata.storage.remote.ObjectStore;
import io.strata.storage.remote.ObjectStoreConfig;

import java.io.Serializable;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where the bucket is and how to sign requests: the part of the source options that travels to executors
 * with every input partition. Immutable and serializable.
 *
 * <p>{@link #store()} hands out one {@link ObjectStore} per distinct settings per JVM (driver or executor),
 * shared by every task there and never closed: an S3 client is costly to build and holds a connection pool
 * that tasks of one query reuse. The stores' request counters feed {@link ReadMetrics}.
 *
 * @param endpoint  S3 endpoint URI, or null for AWS S3 of {@code region}
 * @param region    signing region
 * @param bucket    the bucket a Strata cluster tiers to ({@code strata.s3.bucket})
 * @param prefix    its key prefix ({@code strata.s3.prefix}), "" for none
 * @param pathStyle path-style addressing (S3Proxy, MinIO)
 * @param accessKey static credentials, or null for the AWS default provider chain
 * @param secretKey secret of {@code accessKey}
 */
public record StoreSettings(String endpoint, String region, String bucket, String prefix, boolean pathStyle,
                            String accessKey, String secretKey) implements Serializable {

    private static final Map<StoreSettings, ObjectStore> STORES = new ConcurrentHashMap<>();

    public StoreSettings {
        if (bucket == null || bucket.isBlank()) {
            throw new IllegalArgumentException("option 'bucket' is required (the bucket the Strata cluster tiers to)");
        }
        region = region == null || region.isBlank() ? "us-east-1" : region;
        prefix = prefix == null ? "" : prefix;
    }

    /** The object-store configuration: readers retry a few times, then fail the task (Spark retries tasks). */
    public ObjectStoreConfig config() {
        return new ObjectStoreConfig(Optional.ofNullable(endpoint).filter(e -> !e.isBlank()).map(URI::create), region,
                bucket, prefix, pathStyle, Optional.ofNullable(accessKey), Optional.ofNullable(secretKey), 4,
                Duration.ofSeconds(2), Duration.ofSeconds(60), Duration.ofSeconds(2), ObjectStoreConfig.MIN_PART_BYTES);
    }

    /** The JVM's shared store for these settings. */
    public ObjectStore store() {
        return STORES.computeIfAbsent(this, s -> new ObjectStore(s.config()));
    }

    /** GET requests made by every store of this JVM so far. */
    static long getRequests() {
        return STORES.values().stream().mapToLong(ObjectStore::getRequests).sum();
    }

    /** Listings made by every store of this JVM so far. */
    static long listRequests() {
        return STORES.values().stream().mapToLong(ObjectStore::listRequests).sum();
    }

    /** Bytes downloaded by every store of this JVM so far. */
    static long bytesDownloaded() {
        return STORES.values().stream().mapToLong(ObjectStore::bytesDownloaded).sum();
    }

    @Override
    public String toString() {
        return "StoreSettings[endpoint=" + endpoint + ", region=" + region + ", bucket=" + bucket + ", prefix=" + prefix
                + ", pathStyle=" + pathStyle + ", accessKey=" + (accessKey == null ? "(default chain)" : "***") + "]";
    }
}
