package io.quarkus.smallrye.openapi.runtime;

import io.quarkus.arc.Unremovable;
import io.quarkus.arc.profile.IfBuildProfile;
import io.quarkus.smallrye.openapi.OpenApiFilter;
import io.quarkus.smallrye.openapi.runtime.filter.AutoSecurityFilter;
import io.smallrye.openapi.runtime.io.Format;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The node's OpenAPI document service: prepares {@code /q/openapi} on its first request instead of at start-up.
 *
 * <p>The document itself is generated when the application is built; at start-up Quarkus' own service parses that
 * file again, applies the filters and writes it out as JSON and YAML, which took about a quarter of the main
 * thread's start-up samples of a node (parser and model classes loaded and run cold). Nobody needs the document
 * to serve Kafka clients, so this subclass records what start-up asked for and does the same preparation when the
 * document is first asked for; the answer is the same bytes.
 *
 * <p>It sits in Quarkus' package because the method start-up calls is package-private there; it replaces the
 * extension's bean as a prioritised alternative. That override holds only where one class loader loads both
 * classes, as in the packaged application; in dev and test mode Quarkus loads application classes apart from
 * the extension's, so there the extension's own bean serves (prod build profile only). Thread-safe: preparation
 * runs once, under this object's lock.
 */
@Alternative
@Priority(1)
@ApplicationScoped
@Unremovable // looked up by type at start-up, injected nowhere
@IfBuildProfile("prod")
public class DeferredOpenApiDocumentService extends OpenApiDocumentService {

    private record Pending(AutoSecurityFilter securityFilter, Map<OpenApiFilter.RunStage, List<String>> filters,
                           String documentName) {
    }

    private final List<Pending> pending = new ArrayList<>();

    @Override
    synchronized void prepareDocument(AutoSecurityFilter securityFilter,
                                      Map<OpenApiFilter.RunStage, List<String>> filters, String documentName) {
        pending.add(new Pending(securityFilter, filters, documentName));
    }

    @Override
    public byte[] getDocument(String documentName, Format format) {
        prepareNow();
        return super.getDocument(documentName, format);
    }

    /** Prepares every document start-up asked for (once). */
    public synchronized void prepareNow() {
        for (Pending p : pending) {
            super.prepareDocument(p.securityFilter(), p.filters(), p.documentName());
        }
        pending.clear();
    }
}
