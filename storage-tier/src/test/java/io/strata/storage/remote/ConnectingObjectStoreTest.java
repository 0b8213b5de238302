package io.strata.storage.remote;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A store made before its embedded S3Proxy serves: calls wait for it, and fail with the cause when it cannot start. */
class ConnectingObjectStoreTest {

    @TempDir
    Path dir;

    @Test
    void callsMadeWhileTheEndpointStartsWaitAndThenReachTheStore() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        // The proxy's start is held back until the calls below are under way.
        EmbeddedS3Proxy proxy = EmbeddedS3Proxy.starting(dir, "127.0.0.1", 0, task -> new Thread(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            task.run();
        }).start());
        try (ObjectStore store = ObjectStore.connecting(proxy.clientConfig("late"), proxy.started())) {
            CompletableFuture<Void> put = CompletableFuture.runAsync(
                    () -> store.putBytes("k", "v".getBytes(StandardCharsets.UTF_8)));
            CompletableFuture<Optional<byte[]>> get = put.thenApplyAsync(ignored -> store.get("k"));
            Thread.sleep(300);
            assertThat(put).as("a put before the store is up").isNotDone();
            assertThat(store.connected()).isNotDone();

            release.countDown();
            assertThat(get.get(60, TimeUnit.SECONDS)).hasValueSatisfying(
                    v -> assertThat(new String(v, StandardCharsets.UTF_8)).isEqualTo("v"));
            assertThat(store.connected()).isCompleted();
        } finally {
            proxy.close();
        }
    }

    @Test
    void callsFailWithTheCauseWhenTheEndpointDoesNotStart() {
        CompletableFuture<Void> endpoint = new CompletableFuture<>();
        ObjectStore store = ObjectStore.connecting(
                ObjectStoreConfig.forEndpoint(java.net.URI.create("http://127.0.0.1:9"), "never", "a", "b"), endpoint);
        endpoint.completeExceptionally(new IOException("port taken"));
        assertThatThrownBy(() -> store.get("k")).isInstanceOf(ObjectStoreException.class)
                .hasMessageContaining("did not start").hasRootCauseMessage("port taken");
        store.close();
    }
}
