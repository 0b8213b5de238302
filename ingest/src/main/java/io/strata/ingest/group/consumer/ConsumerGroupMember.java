package io.strata.ingest.group.consumer;

import com.google.re2j.Pattern;
import io.strata.ingest.group.GroupTimer;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** A member of a consumer group. Guarded by the group's monitor. */
final class ConsumerGroupMember {

    /** Where the member is in reconciling its assignment with its target. */
    enum State {
        /** Owns its assignment at its epoch. */
        STABLE,
        /** Must give up partitions before it may move to the next epoch. */
        UNREVOKED_PARTITIONS,
        /** Waits for partitions other members still hold. */
        UNRELEASED_PARTITIONS
    }

    final String memberId;
    String groupInstanceId;
    String rackId;
    String clientId = "";
    String clientHost = "";
    int rebalanceTimeoutMs = -1;
    List<String> subscribedTopicNames = List.of();
    String subscribedTopicRegex;
    Pattern compiledRegex;
    String serverAssignor;
    int memberEpoch;
    int previousMemberEpoch = -1;
    State state = State.STABLE;
    Map<String, Set<Integer>> assigned = new TreeMap<>();
    Map<String, Set<Integer>> pendingRevocation = new TreeMap<>();
    GroupTimer.Cancellable sessionTimer;
    GroupTimer.Cancellable revocationTimer;
    /** Epoch at which the running revocation deadline was armed. */
    int revocationTimerEpoch = -1;

    ConsumerGroupMember(String memberId) {
        this.memberId = memberId;
    }

    void cancelTimers() {
        if (sessionTimer != null) {
            sessionTimer.cancel();
            sessionTimer = null;
        }
        cancelRevocationTimer();
    }

    void cancelRevocationTimer() {
        if (revocationTimer != null) {
            revocationTimer.cancel();
            revocationTimer = null;
        }
        revocationTimerEpoch = -1;
    }
}
