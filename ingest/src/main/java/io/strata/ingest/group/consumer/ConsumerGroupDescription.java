package io.strata.ingest.group.consumer;

import java.util.List;
import java.util.Map;
import java.util.Set;

/** ConsumerGroupDescribe view of a consumer group; assignments by topic name. */
public record ConsumerGroupDescription(String groupId, String state, int groupEpoch, int assignmentEpoch,
                                       String assignorName, List<Member> members) {

    public record Member(String memberId, String groupInstanceId, String rackId, int memberEpoch, String clientId,
                         String clientHost, List<String> subscribedTopicNames, String subscribedTopicRegex,
                         Map<String, Set<Integer>> assignment, Map<String, Set<Integer>> targetAssignment) {
    }
}
