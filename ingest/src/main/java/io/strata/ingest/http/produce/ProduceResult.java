package io.strata.ingest.http.produce;

import org.apache.kafka.common.protocol.Errors;

/**
 * What became of one record: its partition and offset, or the Kafka error that rejected it.
 *
 * @param partition partition the record was sent to (-1 if none could be chosen)
 * @param offset    offset assigned, -1 on error
 * @param timestamp timestamp stored (create time, or log-append time for such topics), -1 on error
 * @param error     Errors.NONE on success
 * @param message   error detail, null on success
 */
public record ProduceResult(int partition, long offset, long timestamp, Errors error, String message) {

    public boolean ok() {
        return error == Errors.NONE;
    }

    static ProduceResult failed(int partition, Errors error, String message) {
        return new ProduceResult(partition, -1, -1, error, message == null ? error.message() : message);
    }
}
