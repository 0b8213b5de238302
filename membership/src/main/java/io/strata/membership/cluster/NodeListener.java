package io.strata.membership.cluster;

/**
 * Told when nodes join or leave the cluster. Called on a Hazelcast event thread, in the order the
 * membership changed; implementations must return quickly and must not block on cluster calls.
 */
public interface NodeListener {

    void nodeJoined(NodeInfo node);

    void nodeLeft(NodeInfo node);
}
