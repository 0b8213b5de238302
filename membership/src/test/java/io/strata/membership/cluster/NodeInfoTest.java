package io.strata.membership.cluster;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class NodeInfoTest {

    @Test
    void listenersSurviveTheMemberAttributesAndAnswerByName() {
        Map<String, NodeInfo.Endpoint> listeners = new LinkedHashMap<>();
        listeners.put("PLAINTEXT", new NodeInfo.Endpoint("10.0.0.1", 9092));
        listeners.put("SASL_SSL", new NodeInfo.Endpoint("broker1.example.com", 9093));
        listeners.put("V6", new NodeInfo.Endpoint("::1", 9094));

        String published = NodeInfo.formatListeners(listeners);
        assertThat(NodeInfo.parseListeners(published)).containsExactlyEntriesOf(listeners);

        NodeInfo node = new NodeInfo(1, "10.0.0.1", 9092, "10.0.0.1", 8080, null, listeners);
        assertThat(node.endpoint("SASL_SSL")).contains(new NodeInfo.Endpoint("broker1.example.com", 9093));
        assertThat(node.endpoint("SSL")).as("a listener the node does not have").isEmpty();
        NodeInfo single = new NodeInfo(2, "h", 19092, "h", 8080, null);
        assertThat(single.endpoint("ANY")).as("a node publishing one endpoint").contains(new NodeInfo.Endpoint("h", 19092));
    }
}
