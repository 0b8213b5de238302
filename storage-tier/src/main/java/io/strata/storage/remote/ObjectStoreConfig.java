package io.strata.storage.remote;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How to reach the object store. Immutable.
 *
 * @param endpoint          S3 endpoint; empty for AWS S3 of {@code region}
 * @param region            signing region
 * @param bucket            bucket holding every object of this cluster
 * @param prefix            key prefix inside the bucket ("" for none; no leading or trailing '/')
 * @param pathStyle         path-style addressing (S3Proxy, MinIO) instead of virtual-host style
 * @param accessKey         static credentials; empty for the default AWS provider chain
 * @param secretKey         static credentials' secret
 * @param maxAttempts       attempts per request (the first plus retries) before a call fails
 * @param maxBackoff        cap of the exponential back-off between attempts
 * @param callTimeout       limit of one request including its retries
 * @param breakerOpenFor    after a run of failures, calls fail at once for this long before probing again
 * @param multipartPartBytes objects larger than this are uploaded in parts of this size (at least 5 MiB)
 */
public record ObjectStoreConfig(Optional<URI> endpoint, String region, String bucket, String prefix, boolean pathStyle,
                                Optional<String> accessKey, Optional<String> secretKey, int maxAttempts,
                                Duration maxBackoff, Duration callTimeout, Duration breakerOpenFor,
                                long multipartPartBytes) {

    public static final long MIN_PART_BYTES = 5L * 1024 * 1024;

    public ObjectStoreConfig {
        Objects.requireNonNull(region, "region");
        if (bucket == null || bucket.isBlank()) {
            throw new IllegalArgumentException("strata.s3.bucket must be set");
        }
        prefix = prefix == null ? "" : stripSlashes(prefix);
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1");
        }
        if (multipartPartBytes < MIN_PART_BYTES) {
            throw new IllegalArgumentException("multipart part size must be at least 5 MiB (S3's minimum), got "
                    + multipartPartBytes);
        }
    }

    /** Defaults for an endpoint: retries for about a minute of outage per call, breaker open 5 s. */
    public static ObjectStoreConfig forEndpoint(URI endpoint, String bucket, String accessKey, String secretKey) {
        return new ObjectStoreConfig(Optional.of(endpoint), "us-east-1", bucket, "", true, Optional.of(accessKey),
                Optional.of(secretKey), 6, Duration.ofSeconds(5), Duration.ofSeconds(60), Duration.ofSeconds(5),
                8L * 1024 * 1024);
    }

    public ObjectStoreConfig withPrefix(String newPrefix) {
        return new ObjectStoreConfig(endpoint, region, bucket, newPrefix, pathStyle, accessKey, secretKey, maxAttempts,
                maxBackoff, callTimeout, breakerOpenFor, multipartPartBytes);
    }

    public ObjectStoreConfig withRetries(int attempts, Duration backoff, Duration timeout, Duration openFor) {
        return new ObjectStoreConfig(endpoint, region, bucket, prefix, pathStyle, accessKey, secretKey, attempts,
                backoff, timeout, openFor, multipartPartBytes);
    }

    public ObjectStoreConfig withPartBytes(long partBytes) {
        return new ObjectStoreConfig(endpoint, region, bucket, prefix, pathStyle, accessKey, secretKey, maxAttempts,
                maxBackoff, callTimeout, breakerOpenFor, partBytes);
    }

    private static String stripSlashes(String p) {
        String s = p.trim();
        while (s.startsWith("/")) {
            s = s.substring(1);
        }
        while (s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        return s;
    }
}
