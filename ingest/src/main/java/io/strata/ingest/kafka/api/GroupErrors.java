package io.strata.ingest.kafka.api;

import io.strata.ingest.group.GroupError;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.protocol.Errors;

/** Wire mapping of the coordinator's outcomes; each {@link GroupError} has the name of its Kafka error. */
final class GroupErrors {

    /** No authorizer: every client may do everything a group allows. */
    static final int GROUP_OPERATIONS = (1 << AclOperation.READ.code()) | (1 << AclOperation.DESCRIBE.code())
            | (1 << AclOperation.DELETE.code());

    private GroupErrors() {
    }

    static Errors toKafka(GroupError error) {
        return Errors.valueOf(error.name());
    }

    static short code(GroupError error) {
        return toKafka(error).code();
    }
}
