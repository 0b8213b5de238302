package io.strata.ingest.group.classic;

import java.util.List;

/** DescribeGroups view of a classic group. Metadata and assignments are only given while Stable. */
public record ClassicGroupDescription(String groupId, String state, String protocolType, String protocolName,
                                      List<Member> members) {

    public record Member(String memberId, String groupInstanceId, String clientId, String clientHost,
                         byte[] metadata, byte[] assignment) {
    }
}
