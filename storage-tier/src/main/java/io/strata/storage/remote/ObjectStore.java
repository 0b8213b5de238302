package io.strata.storage.remote;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.BucketAlreadyExistsException;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.UploadPartResponse;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * The S3 operations tiering needs, over aws-sdk-java-v2's synchronous client. Callers run these on
 * their own threads; nothing here may be called from a network event loop.
 *
 * <p>Failure handling, in two layers: each request is retried by the SDK with exponential back-off
 * (capped at {@link ObjectStoreConfig#maxBackoff()}) for up to {@link ObjectStoreConfig#maxAttempts()}
 * attempts within {@link ObjectStoreConfig#callTimeout()}, which rides out a restart of the store;
 * above that, a circuit breaker opens after a run of failed calls and then fails calls at once for
 * {@link ObjectStoreConfig#breakerOpenFor()}, so a dead endpoint is probed, not hammered. Answers that
 * are results rather than faults (404, 412) do not count as failures. Failures surface as
 * {@link ObjectStoreException}.
 *
 * <p>Large files are uploaded with a multipart upload driven here part by part (the SDK's automatic
 * multipart does not work against every S3-compatible store), each part sent from a buffer with
 * {@link RequestBody#fromRemainingByteBuffer} (which honours the buffer position). An interrupted
 * multipart upload is aborted.
 *
 * <p>A store made with {@link #connecting} exists before its endpoint does (an embedded S3Proxy still
 * starting): its client is built and the bucket ensured once the endpoint is up, and every call made
 * meanwhile waits for that, so no call ever reaches a store that is not there yet.
 *
 * <p>Thread-safety: safe for concurrent use.
 */
public final class ObjectStore implements Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(ObjectStore.class);

    private final ObjectStoreConfig config;
    /** Set before {@link #connected} completes; calls read it only after that. */
    private volatile S3Client s3;
    /** Completes once the client is built (and, for {@link #connecting}, the bucket ensured). */
    private final CompletableFuture<Void> connected;
    /** Starts the endpoint of a store made {@link #connecting} when a call needs it; idempotent. */
    private final Runnable startEndpoint;
    private final CircuitBreaker breaker;
    private final LongAdder bytesUploaded = new LongAdder();
    private final LongAdder bytesDownloaded = new LongAdder();
    private final LongAdder getRequests = new LongAdder();
    private final LongAdder listRequests = new LongAdder();
    private final LongAdder failures = new LongAdder();

    public ObjectStore(ObjectStoreConfig config) {
        this(config, null, () -> { });
    }

    /**
     * A store whose endpoint is still starting: returns at once; once {@code endpointStarted} completes the
     * client is built and the bucket created when missing, on the thread that completed it. Calls made before
     * then wait; if the endpoint or the bucket fails, they fail with the cause. See {@link #connected()}.
     */
    public static ObjectStore connecting(ObjectStoreConfig config, CompletableFuture<?> endpointStarted) {
        return connecting(config, endpointStarted, () -> { });
    }

    /**
     * As {@link #connecting(ObjectStoreConfig, CompletableFuture)}, for an endpoint that starts on demand:
     * {@code startEndpoint} is run (it must be idempotent) by the first call that has to wait for it.
     */
    public static ObjectStore connecting(ObjectStoreConfig config, CompletableFuture<?> endpointStarted,
                                         Runnable startEndpoint) {
        CompletableFuture<Void> connected = new CompletableFuture<>();
        ObjectStore store = new ObjectStore(config, connected, startEndpoint);
        endpointStarted.whenComplete((ignored, failure) -> {
            if (failure != null) {
                connected.completeExceptionally(failure);
                return;
            }
            try {
                store.s3 = buildClient(config);
                store.createBucketIfMissing();
                connected.complete(null);
            } catch (Throwable e) {
                connected.completeExceptionally(e);
            }
        });
        return store;
    }

    /** @param connecting null: build the client now */
    private ObjectStore(ObjectStoreConfig config, CompletableFuture<Void> connecting, Runnable startEndpoint) {
        this.config = config;
        this.startEndpoint = startEndpoint;
        if (connecting == null) {
            this.s3 = buildClient(config);
            this.connected = CompletableFuture.completedFuture(null);
        } else {
            this.connected = connecting;
        }
        this.breaker = CircuitBreaker.of("object-store", CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(4)
                .minimumNumberOfCalls(2)
                .failureRateThreshold(50)
                .waitDurationInOpenState(config.breakerOpenFor())
                .permittedNumberOfCallsInHalfOpenState(1)
                .automaticTransitionFromOpenToHalfOpenEnabled(false)
                .recordException(ObjectStore::isFault)
                .build());
        breaker.getEventPublisher().onError(e -> LOG.debug("Object store call failed: {}", e.getThrowable().toString()));
        breaker.getEventPublisher().onStateTransition(e -> {
            switch (e.getStateTransition().getToState()) {
                case OPEN -> LOG.warn("Object store {} unreachable: pausing calls for {} ms",
                        config.endpoint().map(Object::toString).orElse("(AWS)"), config.breakerOpenFor().toMillis());
                case CLOSED -> LOG.info("Object store {} reachable again",
                        config.endpoint().map(Object::toString).orElse("(AWS)"));
                default -> { }
            }
        });
    }

    private static S3Client buildClient(ObjectStoreConfig config) {
        RetryStrategy retry = AwsRetryStrategy.standardRetryStrategy().toBuilder()
                .maxAttempts(config.maxAttempts())
                .backoffStrategy(software.amazon.awssdk.retries.api.BackoffStrategy.exponentialDelay(
                        Duration.ofMillis(100), config.maxBackoff()))
                .throttlingBackoffStrategy(software.amazon.awssdk.retries.api.BackoffStrategy.exponentialDelay(
                        Duration.ofMillis(200), config.maxBackoff()))
                // The store's circuit breaker decides when to stop trying; the SDK's retry token bucket would give up early.
                .circuitBreakerEnabled(false)
                .build();
        AwsCredentialsProvider credentials = config.accessKey().isPresent()
                ? StaticCredentialsProvider.create(AwsBasicCredentials.create(config.accessKey().get(),
                        config.secretKey().orElse("")))
                : DefaultCredentialsProvider.builder().build();
        var builder = S3Client.builder()
                .region(Region.of(config.region()))
                .credentialsProvider(credentials)
                .forcePathStyle(config.pathStyle())
                .overrideConfiguration(o -> o.retryStrategy(retry)
                        .apiCallTimeout(config.callTimeout())
                        .apiCallAttemptTimeout(Duration.ofSeconds(20)));
        config.endpoint().ifPresent(builder::endpointOverride);
        return builder.build();
    }

    /** Completes when calls can reach the store; exceptionally when it did not start. */
    public CompletableFuture<Void> connected() {
        return connected;
    }

    public ObjectStoreConfig config() {
        return config;
    }

    /** Total bytes of successful uploads. */
    public long bytesUploaded() {
        return bytesUploaded.sum();
    }

    /** Total bytes of successful downloads. */
    public long bytesDownloaded() {
        return bytesDownloaded.sum();
    }

    /** GET requests made (whole and ranged), successful or not. */
    public long getRequests() {
        return getRequests.sum();
    }

    /** Listings made ({@link #list} and {@link #listDirectories}), successful or not. */
    public long listRequests() {
        return listRequests.sum();
    }

    /** Calls that failed (after retries) or were refused by the open breaker. */
    public long failures() {
        return failures.sum();
    }

    /** True while the breaker refuses calls or is probing whether the store is back. */
    public boolean unavailable() {
        return breaker.getState() != CircuitBreaker.State.CLOSED;
    }

    /** Creates the bucket when it does not exist (for the embedded store and test setups). */
    public void ensureBucket() {
        awaitConnected("HEAD bucket " + config.bucket());
        createBucketIfMissing();
    }

    private void createBucketIfMissing() {
        callConnected("HEAD bucket " + config.bucket(), () -> {
            try {
                s3.headBucket(b -> b.bucket(config.bucket()));
            } catch (S3Exception e) {
                if (e.statusCode() != 404) {
                    throw e;
                }
                try {
                    s3.createBucket(b -> b.bucket(config.bucket()));
                    LOG.debug("Created bucket {}", config.bucket()); // debug: a node's start-up line names it
                } catch (BucketAlreadyOwnedByYouException | BucketAlreadyExistsException raced) {
                    // Members of a cluster start together and race to create the bucket: one wins, all use it.
                    LOG.debug("Bucket {} was created meanwhile", config.bucket());
                }
            }
            return null;
        });
    }

    /** Uploads a file, in parts when it is larger than the multipart part size. Overwrites. */
    public void putFile(String key, Path file) {
        long size;
        try {
            size = java.nio.file.Files.size(file);
        } catch (IOException e) {
            throw new ObjectStoreException("Cannot read " + file + " for upload", e);
        }
        if (size <= config.multipartPartBytes()) {
            call("PUT " + key, () -> s3.putObject(b -> b.bucket(config.bucket()).key(key).contentLength(size),
                    RequestBody.fromFile(file)));
        } else {
            putMultipart(key, file, size);
        }
        bytesUploaded.add(size);
    }

    /** Uploads bytes, overwriting. */
    public void putBytes(String key, byte[] bytes) {
        call("PUT " + key, () -> s3.putObject(b -> b.bucket(config.bucket()).key(key), RequestBody.fromBytes(bytes)));
        bytesUploaded.add(bytes.length);
    }

    /**
     * Creates an object only if the key does not exist yet ({@code If-None-Match: *}, atomic).
     *
     * @return false when the key already existed (someone else created it)
     */
    public boolean putIfAbsent(String key, byte[] bytes) {
        try {
            call("PUT (create-once) " + key, () -> s3.putObject(b -> b.bucket(config.bucket()).key(key).ifNoneMatch("*"),
                    RequestBody.fromBytes(bytes)));
            bytesUploaded.add(bytes.length);
            return true;
        } catch (ObjectStoreException e) {
            if (e.getCause() instanceof S3Exception s3e && (s3e.statusCode() == 412 || s3e.statusCode() == 409)) {
                return false;
            }
            throw e;
        }
    }

    /** The whole object, or empty when it does not exist. */
    public Optional<byte[]> get(String key) {
        getRequests.increment();
        try {
            ResponseBytes<GetObjectResponse> bytes = call("GET " + key,
                    () -> s3.getObjectAsBytes(b -> b.bucket(config.bucket()).key(key)));
            bytesDownloaded.add(bytes.asByteArrayUnsafe().length);
            return Optional.of(bytes.asByteArrayUnsafe());
        } catch (ObjectStoreException e) {
            if (isNotFound(e.getCause())) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /**
     * Bytes {@code [from, from + length)} of an object (fewer at its end).
     *
     * @throws ObjectStoreException also when the object does not exist
     */
    public byte[] getRange(String key, long from, int length) {
        getRequests.increment();
        ResponseBytes<GetObjectResponse> bytes = call("GET " + key + " [" + from + "+" + length + "]",
                () -> s3.getObjectAsBytes(b -> b.bucket(config.bucket()).key(key)
                        .range("bytes=" + from + "-" + (from + length - 1))));
        byte[] out = bytes.asByteArrayUnsafe();
        bytesDownloaded.add(out.length);
        return out;
    }

    /** True when the object exists. */
    public boolean exists(String key) {
        try {
            call("HEAD " + key, () -> s3.headObject(b -> b.bucket(config.bucket()).key(key)));
            return true;
        } catch (ObjectStoreException e) {
            if (isNotFound(e.getCause())) {
                return false;
            }
            throw e;
        }
    }

    /**
     * Keys starting with {@code prefix}. A listing may show objects of uploads in progress or
     * interrupted ones: never the source of truth for tiered segments (manifests are); callers that
     * list must recognise their own keys.
     */
    public List<String> list(String prefix) {
        listRequests.increment();
        return call("LIST " + prefix, () -> {
            List<String> keys = new ArrayList<>();
            s3.listObjectsV2Paginator(b -> b.bucket(config.bucket()).prefix(prefix))
                    .contents().forEach(o -> keys.add(o.key()));
            return keys;
        });
    }

    /**
     * The "directories" directly below {@code prefix}: common prefixes of the keys up to the next '/', each
     * ending with '/'. One listing per 1000 directories, whatever the number of objects inside them; readers
     * use it to find partition roots, never to find segments.
     */
    public List<String> listDirectories(String prefix) {
        listRequests.increment();
        return call("LIST " + prefix + " (directories)", () -> {
            List<String> dirs = new ArrayList<>();
            s3.listObjectsV2Paginator(b -> b.bucket(config.bucket()).prefix(prefix).delimiter("/"))
                    .commonPrefixes().forEach(p -> dirs.add(p.prefix()));
            return dirs;
        });
    }

    /** Deletes an object; deleting a missing key succeeds. */
    public void delete(String key) {
        call("DELETE " + key, () -> s3.deleteObject(b -> b.bucket(config.bucket()).key(key)));
    }

    private void putMultipart(String key, Path file, long size) {
        String uploadId = call("CreateMultipartUpload " + key,
                () -> s3.createMultipartUpload(b -> b.bucket(config.bucket()).key(key))).uploadId();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            int partBytes = (int) config.multipartPartBytes();
            ByteBuffer buffer = ByteBuffer.allocate(partBytes);
            List<CompletedPart> parts = new ArrayList<>();
            long position = 0;
            for (int partNumber = 1; position < size; partNumber++) {
                int length = (int) Math.min(partBytes, size - position);
                buffer.clear().limit(length);
                while (buffer.hasRemaining()) {
                    if (channel.read(buffer, position + buffer.position()) < 0) {
                        throw new EOFException(file + " shrank during upload");
                    }
                }
                buffer.flip();
                int number = partNumber;
                ByteBuffer part = buffer;
                UploadPartResponse response = call("UploadPart " + number + " of " + key,
                        () -> s3.uploadPart(b -> b.bucket(config.bucket()).key(key).uploadId(uploadId)
                                .partNumber(number).contentLength((long) length),
                                RequestBody.fromRemainingByteBuffer(part)));
                parts.add(CompletedPart.builder().partNumber(number).eTag(response.eTag()).build());
                position += length;
            }
            call("CompleteMultipartUpload " + key, () -> s3.completeMultipartUpload(b -> b.bucket(config.bucket())
                    .key(key).uploadId(uploadId).multipartUpload(m -> m.parts(parts))));
        } catch (IOException | RuntimeException e) {
            try {
                s3.abortMultipartUpload(b -> b.bucket(config.bucket()).key(key).uploadId(uploadId));
            } catch (SdkException abortFailed) {
                e.addSuppressed(abortFailed);
            }
            if (e instanceof ObjectStoreException ose) {
                throw ose;
            }
            throw new ObjectStoreException("Multipart upload of " + key + " failed: " + e.getMessage(), e);
        }
    }

    private <T> T call(String what, Supplier<T> operation) {
        awaitConnected(what);
        return callConnected(what, operation);
    }

    /** Waits until the store is connected (at once unless it was made {@link #connecting}). */
    private void awaitConnected(String what) {
        if (connected.isDone() && !connected.isCompletedExceptionally()) {
            return;
        }
        startEndpoint.run();
        try {
            connected.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ObjectStoreException("Interrupted while waiting for the object store to start, not attempting "
                    + what, e);
        } catch (ExecutionException e) {
            throw new ObjectStoreException("The object store did not start (" + e.getCause() + "), not attempting "
                    + what, e.getCause());
        }
    }

    private <T> T callConnected(String what, Supplier<T> operation) {
        try {
            return breaker.executeSupplier(operation);
        } catch (CallNotPermittedException e) {
            failures.increment();
            throw new ObjectStoreException("Object store unavailable (circuit open), not attempting " + what);
        } catch (SdkException e) {
            if (isFault(e)) {
                failures.increment();
            }
            throw new ObjectStoreException(what + " failed: " + e.getMessage(), e);
        }
    }

    /** Answers that are results (missing key, failed precondition), not faults of the store. */
    private static boolean isFault(Throwable e) {
        if (e instanceof AbortedException || Thread.currentThread().isInterrupted()) {
            return false; // this node is shutting down, the store is fine
        }
        if (e instanceof S3Exception s3e) {
            int status = s3e.statusCode();
            return status != 404 && status != 412 && status != 409 && status != 416;
        }
        return true;
    }

    private static boolean isNotFound(Throwable e) {
        return e instanceof NoSuchKeyException || (e instanceof S3Exception s3e && s3e.statusCode() == 404);
    }

    @Override
    public void close() {
        // A store still connecting closes its client once it has one.
        connected.whenComplete((ignored, failure) -> {
            S3Client client = s3;
            if (client != null) {
                client.close();
            }
        });
    }
}
