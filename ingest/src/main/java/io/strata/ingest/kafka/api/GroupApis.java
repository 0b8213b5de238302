package io.strata.ingest.kafka.api;

import io.strata.ingest.broker.TopicManager;
import io.strata.ingest.group.GroupCoordinator;

import java.util.function.BiFunction;
import java.util.function.IntFunction;

/** The APIs answered by the group coordinator. */
public record GroupApis(FindCoordinatorApi findCoordinator, ClassicGroupApi classic, GroupOffsetsApi offsets,
                        GroupAdminApi admin, ConsumerGroupApi consumer) {

    public static GroupApis create(GroupCoordinator coordinator, TopicManager topics, IntFunction<BrokerNode> nodes) {
        return create(coordinator, topics, (id, listener) -> nodes.apply(id));
    }

    /** @param nodes a live node's address on a listener, null when unknown or without that listener */
    public static GroupApis create(GroupCoordinator coordinator, TopicManager topics,
                                   BiFunction<Integer, String, BrokerNode> nodes) {
        return new GroupApis(new FindCoordinatorApi(coordinator, nodes), new ClassicGroupApi(coordinator),
                new GroupOffsetsApi(coordinator, topics), new GroupAdminApi(coordinator),
                new ConsumerGroupApi(coordinator, topics));
    }
}
