package io.strata.reliability.history;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One line of a run's history (JSON lines, one event per line, in the order they were recorded).
 *
 * <p>What {@code time} means depends on the type, so that a checker can order causes before effects:
 * <ul>
 *   <li>{@code SEND}: when {@code producer.send} was called; {@code process} is the producer, {@code seq} its
 *       sequence number (increasing per producer), {@code value} unique across the run.</li>
 *   <li>{@code ACK} / {@code FAIL}: when the send's callback ran; an ACK has the partition and offset the broker
 *       gave; a FAIL has the error in {@code info} and is indefinite (the record may still have been written).</li>
 *   <li>{@code READ}: when the poll that returned the record finished; {@code process} is the consumer or reader
 *       ({@code drain...} for the final drain).</li>
 *   <li>{@code COMMIT}: when a synchronous offset commit by {@code process} in {@code group} returned success;
 *       {@code offset} is the committed position (the next offset to read).</li>
 *   <li>{@code COMMITTED}: when an observer asked the cluster for the group's committed offset (before the answer
 *       came); {@code offset} is the answer.</li>
 *   <li>{@code NEMESIS}: a fault started or healed; {@code info} describes it, {@code value} is "start" or
 *       "stop".</li>
 *   <li>{@code PHASE}: a phase of the run began ({@code info}: "round 3", "heal", "drain", ...).</li>
 * </ul>
 *
 * @param time milliseconds since the run started (monotonic clock)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Event(long time, Type type, String process, String topic, Integer partition, Long offset,
                    String value, Long seq, String group, String info) {

    public enum Type { SEND, ACK, FAIL, READ, COMMIT, COMMITTED, NEMESIS, PHASE }

    public static Event send(long time, String producer, String topic, Integer partition, String value, long seq) {
        return new Event(time, Type.SEND, producer, topic, partition, null, value, seq, null, null);
    }

    public static Event ack(long time, String producer, String topic, int partition, long offset, String value,
                            long seq) {
        return new Event(time, Type.ACK, producer, topic, partition, offset, value, seq, null, null);
    }

    public static Event fail(long time, String producer, String topic, Integer partition, String value, long seq,
                             String error) {
        return new Event(time, Type.FAIL, producer, topic, partition, null, value, seq, null, error);
    }

    public static Event read(long time, String reader, String topic, int partition, long offset, String value) {
        return new Event(time, Type.READ, reader, topic, partition, offset, value, null, null, null);
    }

    public static Event commit(long time, String consumer, String group, String topic, int partition, long offset) {
        return new Event(time, Type.COMMIT, consumer, topic, partition, offset, null, null, group, null);
    }

    public static Event committed(long time, String observer, String group, String topic, int partition,
                                  long offset) {
        return new Event(time, Type.COMMITTED, observer, topic, partition, offset, null, null, group, null);
    }

    public static Event nemesis(long time, String startOrStop, String description) {
        return new Event(time, Type.NEMESIS, "nemesis", null, null, null, startOrStop, null, null, description);
    }

    public static Event phase(long time, String name) {
        return new Event(time, Type.PHASE, "run", null, null, null, null, null, null, name);
    }
}
