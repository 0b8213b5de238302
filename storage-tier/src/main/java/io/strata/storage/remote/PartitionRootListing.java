package io.strata.storage.remote;

import java.util.Set;

/**
 * The partition roots of a topic that held objects when the listing ran ({@link RemoteLogManager#listPartitionRoots}):
 * a root absent from it had no manifest then. Roots of other topics whose names extend {@code <topic>-} may be
 * in it too; lookups are by exact root. Immutable.
 */
public record PartitionRootListing(String topic, Set<String> roots) {

    public PartitionRootListing {
        roots = Set.copyOf(roots);
    }

    boolean holdsObjects(String root) {
        return roots.contains(root);
    }
}
