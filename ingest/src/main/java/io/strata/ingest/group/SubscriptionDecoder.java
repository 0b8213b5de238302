package io.strata.ingest.group;

import java.util.Set;

/**
 * Reads the topics a classic member subscribes to from its protocol metadata. The format belongs
 * to the client protocol (for protocol type "consumer": ConsumerProtocol), so the protocol layer
 * supplies it. Returns an empty set for metadata it cannot read.
 */
@FunctionalInterface
public interface SubscriptionDecoder {
    Set<String> subscribedTopics(String protocolType, byte[] metadata);
}
