package io.strata.membership.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;

import java.util.Collection;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The controller is the oldest cluster member (Hazelcast orders members by join time, and every
 * member agrees on the order). Controllership moves when the oldest member leaves.
 *
 * <p>Each new controller claims the next controller epoch, a durable counter in a quorum-guarded
 * map changed only by compare-and-set ({@link #claimEpoch()}), so controller decisions
 * can be fenced and the epoch never goes backwards, also across full restarts.
 */
public final class ControllerElection {

    static final String KEY = "controller";

    private final HazelcastInstance hz;
    private final WriteQuorum quorum;
    private final IMap<String, byte[]> controllerMap;
    private final int localNodeId;
    private final CopyOnWriteArrayList<ControllerListener> listeners = new CopyOnWriteArrayList<>();
    private final UUID registration;
    private volatile int current;
    /** The epoch this node claimed for its current term as controller, -1 when none. */
    private volatile int claimedByMe = -1;

    public ControllerElection(HazelcastInstance hz, IMap<String, byte[]> controllerMap, int localNodeId,
                              WriteQuorum quorum) {
        this.hz = hz;
        this.quorum = quorum;
        this.controllerMap = controllerMap;
        this.localNodeId = localNodeId;
        this.registration = hz.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent event) {
                update(event.getMembers());
            }

            @Override
            public void memberRemoved(MembershipEvent event) {
                update(event.getMembers());
            }
        });
        this.current = oldestNode(hz.getCluster().getMembers());
    }

    private synchronized void update(Collection<Member> members) {
        int next = oldestNode(members);
        if (next != current && next >= 0) {
            current = next;
            for (ControllerListener l : listeners) {
                l.controllerChanged(next, next == localNodeId);
            }
        }
    }

    private static int oldestNode(Collection<Member> membersOldestFirst) {
        for (Map.Entry<Integer, NodeInfo> e : NodeRegistry.nodesOf(membersOldestFirst).entrySet()) {
            return e.getKey();
        }
        return -1;
    }

    public boolean isController() {
        return controllerNodeId() == localNodeId;
    }

    /** Node id of the current controller (the oldest member). */
    public int controllerNodeId() {
        return oldestNode(hz.getCluster().getMembers());
    }

    /** The last claimed controller record (node and epoch). */
    public ControllerState controllerState() {
        return ControllerState.fromBytes(controllerMap.get(KEY));
    }

    /**
     * Claims the next controller epoch for this node, if it is the controller. Returns the epoch
     * claimed, or -1 when this node is not (or no longer) the controller.
     */
    public int claimEpoch() {
        while (isController()) {
            ControllerState seen = controllerState();
            if (seen.nodeId() == localNodeId && claimedByMe == seen.epoch()) {
                return seen.epoch();
            }
            quorum.check();
            ControllerState after = ControllerState.fromBytes(
                    controllerMap.executeOnKey(KEY, new ControllerEpochCas(seen.epoch(), localNodeId)));
            if (after.epoch() == seen.epoch() + 1 && after.nodeId() == localNodeId) {
                claimedByMe = after.epoch();
                return after.epoch();
            }
        }
        return -1;
    }

    /** Listens for controller changes; called on a Hazelcast event thread. */
    public void addListener(ControllerListener listener) {
        listeners.add(listener);
    }

    public void removeListener(ControllerListener listener) {
        listeners.remove(listener);
    }

    /** Stops following membership; the member itself is closed by its owner. */
    public void close() {
        try {
            hz.getCluster().removeMembershipListener(registration);
        } catch (RuntimeException ignored) {
            // the member is shutting down
        }
    }
}
