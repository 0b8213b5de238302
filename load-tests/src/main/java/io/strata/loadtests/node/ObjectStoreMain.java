package io.strata.loadtests.node;

import io.strata.storage.remote.EmbeddedS3Proxy;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The object store process of a Strata cluster: serves {@code args[0]} on 127.0.0.1 port {@code args[1]} until
 * killed, with bucket {@code args[2]} already there. Runs on the node's own class path (see
 * {@link ObjectStoreProcess}), so it must use nothing of the harness but this class.
 */
public final class ObjectStoreMain {

    private ObjectStoreMain() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]).toAbsolutePath().normalize();
        // The bucket exists before the nodes start, as a provisioned one would: otherwise three nodes starting
        // together race to create it.
        Files.createDirectories(dir.resolve(args[2]));
        EmbeddedS3Proxy.start(dir, Integer.parseInt(args[1]));
        Thread.currentThread().join();
    }
}
