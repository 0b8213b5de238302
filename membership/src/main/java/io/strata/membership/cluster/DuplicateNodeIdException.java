package io.strata.membership.cluster;

/** A member with the same node id is already part of the cluster; the joining member was refused. */
public final class DuplicateNodeIdException extends RuntimeException {
    public DuplicateNodeIdException(int nodeId, String existingAddress) {
        super("Node id " + nodeId + " is already used by the cluster member at " + existingAddress
                + "; this member has left the cluster again. Give each node a unique node id.");
    }
}
