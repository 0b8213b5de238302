package io.strata.ingest.group;

/**
 * Outcomes of group operations. Each constant has the name of the Kafka protocol error it is sent
 * as, so the protocol layer maps it by name and this package stays free of the wire codec.
 */
public enum GroupError {
    NONE,
    COORDINATOR_NOT_AVAILABLE,
    NOT_COORDINATOR,
    INVALID_GROUP_ID,
    GROUP_ID_NOT_FOUND,
    UNKNOWN_MEMBER_ID,
    MEMBER_ID_REQUIRED,
    ILLEGAL_GENERATION,
    REBALANCE_IN_PROGRESS,
    INCONSISTENT_GROUP_PROTOCOL,
    INVALID_SESSION_TIMEOUT,
    FENCED_INSTANCE_ID,
    UNRELEASED_INSTANCE_ID,
    NON_EMPTY_GROUP,
    GROUP_SUBSCRIBED_TO_TOPIC,
    GROUP_MAX_SIZE_REACHED,
    FENCED_MEMBER_EPOCH,
    STALE_MEMBER_EPOCH,
    UNSUPPORTED_ASSIGNOR,
    INVALID_REGULAR_EXPRESSION,
    INVALID_REQUEST,
    UNKNOWN_SERVER_ERROR
}
