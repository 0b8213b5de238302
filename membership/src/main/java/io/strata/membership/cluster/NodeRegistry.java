package io.strata.membership.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * The live nodes of the cluster, straight from Hazelcast membership: each member publishes its
 * {@link NodeInfo} as member attributes when it starts, and a member that dies disappears from
 * {@link #liveNodes()} when Hazelcast removes it (at once when its connections close, at the latest
 * after the configured maximum time without heartbeat).
 *
 * <p>Should two members ever carry the same node id (the younger one refuses to stay, see
 * {@code ClusterMember}), only the older one counts.
 */
public final class NodeRegistry {

    public static final String ATTR_NODE_ID = "strata.node.id";
    public static final String ATTR_KAFKA_HOST = "strata.kafka.host";
    public static final String ATTR_KAFKA_PORT = "strata.kafka.port";
    public static final String ATTR_HTTP_HOST = "strata.http.host";
    public static final String ATTR_HTTP_PORT = "strata.http.port";
    public static final String ATTR_RACK = "strata.rack";
    /** Every Kafka listener of the node, {@code NAME://host:port,...} (absent for a node with one listener). */
    public static final String ATTR_KAFKA_LISTENERS = "strata.kafka.listeners";

    private final HazelcastInstance hz;
    private final NodeInfo local;

    public NodeRegistry(HazelcastInstance hz, NodeInfo local) {
        this.hz = hz;
        this.local = local;
    }

    /** The member attributes that publish a node's info. */
    public static Map<String, String> attributesOf(NodeInfo node) {
        Map<String, String> attrs = new HashMap<>();
        attrs.put(ATTR_NODE_ID, Integer.toString(node.nodeId()));
        attrs.put(ATTR_KAFKA_HOST, node.kafkaHost());
        attrs.put(ATTR_KAFKA_PORT, Integer.toString(node.kafkaPort()));
        attrs.put(ATTR_HTTP_HOST, node.httpHost());
        attrs.put(ATTR_HTTP_PORT, Integer.toString(node.httpPort()));
        if (node.rack() != null) {
            attrs.put(ATTR_RACK, node.rack());
        }
        if (!node.listeners().isEmpty()) {
            attrs.put(ATTR_KAFKA_LISTENERS, NodeInfo.formatListeners(node.listeners()));
        }
        return attrs;
    }

    /** The node a member publishes, empty for a member that is not a Strata node. */
    public static Optional<NodeInfo> nodeOf(Member member) {
        String id = member.getAttribute(ATTR_NODE_ID);
        if (id == null) {
            return Optional.empty();
        }
        return Optional.of(new NodeInfo(Integer.parseInt(id), member.getAttribute(ATTR_KAFKA_HOST),
                Integer.parseInt(member.getAttribute(ATTR_KAFKA_PORT)), member.getAttribute(ATTR_HTTP_HOST),
                Integer.parseInt(member.getAttribute(ATTR_HTTP_PORT)), member.getAttribute(ATTR_RACK),
                NodeInfo.parseListeners(member.getAttribute(ATTR_KAFKA_LISTENERS))));
    }

    /** Nodes of the given members (oldest first), one per node id: the oldest member holding it. */
    static Map<Integer, NodeInfo> nodesOf(Collection<Member> membersOldestFirst) {
        Map<Integer, NodeInfo> nodes = new LinkedHashMap<>();
        for (Member m : membersOldestFirst) {
            nodeOf(m).ifPresent(n -> nodes.putIfAbsent(n.nodeId(), n));
        }
        return nodes;
    }

    public NodeInfo localNode() {
        return local;
    }

    /** Live nodes, ordered by node id. */
    public List<NodeInfo> liveNodes() {
        List<NodeInfo> nodes = new ArrayList<>(nodesOf(hz.getCluster().getMembers()).values());
        nodes.sort(Comparator.comparingInt(NodeInfo::nodeId));
        return nodes;
    }

    /** Ids of the live nodes, ascending. */
    public Set<Integer> liveNodeIds() {
        return new TreeSet<>(nodesOf(hz.getCluster().getMembers()).keySet());
    }

    public Optional<NodeInfo> node(int nodeId) {
        return Optional.ofNullable(nodesOf(hz.getCluster().getMembers()).get(nodeId));
    }

    public boolean isLive(int nodeId) {
        return node(nodeId).isPresent();
    }

    /** Registers a listener for nodes joining and leaving; returns its registration id. */
    public UUID addListener(NodeListener listener) {
        return hz.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent event) {
                nodeOf(event.getMember()).ifPresent(node -> {
                    if (countWithId(event.getMembers(), node.nodeId()) == 1) {
                        listener.nodeJoined(node);
                    }
                });
            }

            @Override
            public void memberRemoved(MembershipEvent event) {
                nodeOf(event.getMember()).ifPresent(node -> {
                    if (countWithId(event.getMembers(), node.nodeId()) == 0) {
                        listener.nodeLeft(node);
                    }
                });
            }
        });
    }

    public boolean removeListener(UUID registration) {
        return hz.getCluster().removeMembershipListener(registration);
    }

    private static long countWithId(Collection<Member> members, int nodeId) {
        return members.stream().filter(m -> nodeOf(m).map(n -> n.nodeId() == nodeId).orElse(false)).count();
    }
}
