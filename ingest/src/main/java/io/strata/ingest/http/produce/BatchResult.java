package io.strata.ingest.http.produce;

import org.apache.kafka.common.protocol.Errors;

import java.util.List;

/**
 * What became of the records of one batch given to {@link HttpProducer#appendBatch}: either all of them, at
 * consecutive offsets from {@code firstOffset} (or all failed with {@code error}), when this node appended the
 * batch, or each its own ({@code each}), when the batch's records went to another node's leader. Immutable.
 *
 * @param each per-record results when forwarded, else null
 */
public record BatchResult(int partition, long firstOffset, Errors error, String message, List<ProduceResult> each) {

    static BatchResult appended(int partition, long firstOffset) {
        return new BatchResult(partition, firstOffset, Errors.NONE, null, null);
    }

    static BatchResult failed(int partition, Errors error, String message) {
        return new BatchResult(partition, -1, error, message == null ? error.message() : message, null);
    }

    static BatchResult forwarded(int partition, List<ProduceResult> each) {
        return new BatchResult(partition, -1, Errors.NONE, null, each);
    }

    /** Whether the i-th record of the batch is stored. */
    public boolean ok(int i) {
        return each != null ? each.get(i).ok() : error == Errors.NONE;
    }

    /** The offset of the i-th record, when stored. */
    public long offset(int i) {
        return each != null ? each.get(i).offset() : firstOffset + i;
    }

    /** Why the i-th record is not stored, as the NDJSON report gives it. */
    public String errorText(int i) {
        if (each != null) {
            ProduceResult r = each.get(i);
            return r.error().name() + ": " + r.message();
        }
        return error.name() + ": " + message;
    }
}
