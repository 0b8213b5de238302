package io.strata.ingest.group.classic;

import io.strata.ingest.group.GroupTimer;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/** A member of a classic group. Guarded by the group's monitor. */
final class ClassicMember {

    final String memberId;
    final String groupInstanceId;
    String clientId;
    String clientHost;
    int sessionTimeoutMs;
    int rebalanceTimeoutMs;
    final String protocolType;
    List<JoinRequest.Protocol> protocols;
    byte[] assignment = new byte[0];
    CompletableFuture<JoinResult> awaitingJoin;
    CompletableFuture<SyncResult> awaitingSync;
    /** Joined but has not yet seen a generation (a longer join timeout applies). */
    boolean isNew;
    GroupTimer.Cancellable sessionTimer;
    long sessionTimerVersion;

    ClassicMember(String memberId, String groupInstanceId, String clientId, String clientHost, int sessionTimeoutMs,
                  int rebalanceTimeoutMs, String protocolType, List<JoinRequest.Protocol> protocols) {
        this.memberId = memberId;
        this.groupInstanceId = groupInstanceId;
        this.clientId = clientId;
        this.clientHost = clientHost;
        this.sessionTimeoutMs = sessionTimeoutMs;
        this.rebalanceTimeoutMs = rebalanceTimeoutMs;
        this.protocolType = protocolType;
        this.protocols = protocols;
    }

    /** The same member under a new id (a static member that rejoined): keeps its assignment. */
    ClassicMember withId(String newMemberId) {
        ClassicMember copy = new ClassicMember(newMemberId, groupInstanceId, clientId, clientHost, sessionTimeoutMs,
                rebalanceTimeoutMs, protocolType, protocols);
        copy.assignment = assignment;
        return copy;
    }

    byte[] metadata(String protocolName) {
        for (JoinRequest.Protocol p : protocols) {
            if (p.name().equals(protocolName)) {
                return p.metadata();
            }
        }
        return new byte[0];
    }

    boolean supports(String protocolName) {
        return protocols.stream().anyMatch(p -> p.name().equals(protocolName));
    }

    /** True if the other protocol list is the same, in order, with the same metadata. */
    boolean matches(List<JoinRequest.Protocol> other) {
        if (other.size() != protocols.size()) {
            return false;
        }
        for (int i = 0; i < other.size(); i++) {
            if (!other.get(i).name().equals(protocols.get(i).name())
                    || !Arrays.equals(other.get(i).metadata(), protocols.get(i).metadata())) {
                return false;
            }
        }
        return true;
    }

    /** This member's most preferred protocol among the candidates. */
    String vote(Set<String> candidates) {
        for (JoinRequest.Protocol p : protocols) {
            if (candidates.contains(p.name())) {
                return p.name();
            }
        }
        return null;
    }

    boolean isStatic() {
        return groupInstanceId != null;
    }

    void cancelSessionTimer() {
        if (sessionTimer != null) {
            sessionTimer.cancel();
            sessionTimer = null;
        }
    }
}
