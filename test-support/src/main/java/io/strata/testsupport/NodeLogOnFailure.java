package io.strata.testsupport;

import java.util.Optional;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/** Prints the log tail of every node the failing test class started, so a CI failure explains itself. */
public final class NodeLogOnFailure implements BeforeAllCallback, TestWatcher {
    @Override
    public void beforeAll(ExtensionContext context) {
        StrataNode.CREATED.clear();
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        StringBuilder sb = new StringBuilder("\n==== " + context.getDisplayName() + " failed; Strata node logs:\n");
        for (StrataNode node : StrataNode.CREATED) {
            sb.append(node).append(": ").append(node.processState()).append('\n').append(node.logTail(60))
                    .append('\n');
        }
        System.err.println(sb);
    }

    @Override
    public void testAborted(ExtensionContext context, Throwable cause) {
        // nothing to report
    }

    @Override
    public void testDisabled(ExtensionContext context, Optional<String> reason) {
        // nothing to report
    }
}
