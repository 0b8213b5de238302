package io.strata.ingest.node;

import io.quarkus.runtime.ApplicationLifecycleManager;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;
import jakarta.inject.Inject;

/**
 * The node's main: runs once Quarkus has started (and printed its own start-up lines), so that the node's
 * listening addresses are the last start-up line, then waits for the node to be stopped.
 */
@QuarkusMain
public class StrataMain implements QuarkusApplication {

    @Inject
    StrataNode node;

    @Override
    public int run(String... args) {
        node.applicationStarted();
        Quarkus.waitForExit();
        // A start-up failure ends the node through Quarkus.asyncExit(code): keep that code.
        return Math.max(0, ApplicationLifecycleManager.getExitCode());
    }
}
