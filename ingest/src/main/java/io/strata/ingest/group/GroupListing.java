package io.strata.ingest.group;

/** One group as ListGroups reports it. */
public record GroupListing(String groupId, String protocolType, String state, GroupType type) {
}
