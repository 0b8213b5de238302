package io.strata.membership.cluster;

/**
 * Told when the controller (the oldest member) changes. Called on a Hazelcast event thread;
 * implementations must return quickly.
 */
@FunctionalInterface
public interface ControllerListener {

    /**
     * @param controllerNodeId the node id of the new controller
     * @param local            true when this node is the new controller, false when it is (now) another
     */
    void controllerChanged(int controllerNodeId, boolean local);
}
