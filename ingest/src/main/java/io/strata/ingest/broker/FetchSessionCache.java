package io.strata.ingest.broker;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchRequestData.FetchPartition;
import org.apache.kafka.common.message.FetchRequestData.FetchTopic;
import org.apache.kafka.common.message.FetchRequestData.ForgottenTopic;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FetchResponseData.FetchableTopicResponse;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FetchMetadata;
import org.apache.kafka.common.utils.Time;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fetch sessions (KIP-227): the partitions a client fetches, kept between its requests so that an
 * incremental fetch names only the partitions whose fetch position changed and its response carries only
 * the partitions with new records or changed metadata (high watermark, log start, errors). A consumer of
 * a thousand partitions then sends and receives a few partitions per fetch instead of all of them.
 *
 * <p>How a request is served follows its session id and epoch, as in Kafka:
 * <ul>
 *   <li>id 0, epoch -1: a sessionless full fetch (older clients and the replica fetchers of Strata nodes);
 *   <li>epoch 0: a full fetch that opens a session (closing the named one, if any); the response carries
 *       the new session's id, or 0 when the cache has no slot for it;
 *   <li>id N, epoch -1: closes session N and is served as a sessionless full fetch;
 *   <li>id N, epoch E &gt; 0: an incremental fetch of session N, which must expect epoch E, else
 *       INVALID_FETCH_SESSION_EPOCH; an unknown N gets FETCH_SESSION_ID_NOT_FOUND. The request's partitions
 *       are added to or updated in the session, its forgotten topics removed, and every partition of the
 *       session is read.
 * </ul>
 *
 * <p>The cache holds at most {@code maxSlots} sessions (Kafka's
 * {@code max.incremental.fetch.session.cache.slots}). When it is full a new session takes the slot of the
 * least recently used session if that one was idle longer than {@code evictionMs}, else of the weakest
 * session (a consumer's before a follower's, then fewer partitions) if the new one is stronger; otherwise
 * it gets none and its client keeps sending full fetches.
 *
 * <p>Thread-safety: the cache is guarded by its own lock; a session by its own monitor (a client sends
 * the next request of a session only after the previous response, but connections of a node share the
 * cache).
 */
public final class FetchSessionCache {

    private final int maxSlots;
    private final long evictionMs;
    private final Time time;
    /** Access order: the first entry is the least recently used session. */
    private final LinkedHashMap<Integer, Session> sessions = new LinkedHashMap<>(16, 0.75f, true);
    private long partitionsInSessions;
    private final AtomicLong incrementalResponses = new AtomicLong();
    private final AtomicLong fullResponses = new AtomicLong();
    private final AtomicLong evictions = new AtomicLong();
    private final AtomicLong sessionErrors = new AtomicLong();

    public FetchSessionCache(int maxSlots, long evictionMs, Time time) {
        this.maxSlots = Math.max(0, maxSlots);
        this.evictionMs = evictionMs;
        this.time = time;
    }

    /**
     * Decides how a fetch is served and, for an incremental fetch, brings its session up to date with the
     * request (so it must be called once per request).
     *
     * @param privileged a follower's fetch, whose session outranks consumers' when slots are short
     */
    public Context newContext(FetchRequestData request, boolean privileged) {
        int sessionId = request.sessionId();
        int epoch = request.sessionEpoch();
        boolean usesTopicIds = usesTopicIds(request);
        if (epoch == FetchMetadata.INITIAL_EPOCH || epoch == FetchMetadata.FINAL_EPOCH) {
            if (sessionId != FetchMetadata.INVALID_SESSION_ID) {
                remove(sessionId);
            }
            return new Context(epoch == FetchMetadata.INITIAL_EPOCH ? Kind.FULL : Kind.SESSIONLESS,
                    request.topics(), null, Errors.NONE, privileged, usesTopicIds);
        }
        Session session;
        synchronized (this) {
            session = sessions.get(sessionId);
        }
        if (session == null) {
            sessionErrors.incrementAndGet();
            return error(Errors.FETCH_SESSION_ID_NOT_FOUND);
        }
        synchronized (session) {
            if (session.epoch != epoch) {
                sessionErrors.incrementAndGet();
                return error(Errors.INVALID_FETCH_SESSION_EPOCH);
            }
            if (session.usesTopicIds != usesTopicIds && !request.topics().isEmpty()) {
                sessionErrors.incrementAndGet();
                return error(Errors.FETCH_SESSION_TOPIC_ID_ERROR);
            }
            int before = session.partitions.size();
            for (ForgottenTopic forgotten : request.forgottenTopicsData()) {
                for (int partition : forgotten.partitions()) {
                    session.partitions.remove(new Key(forgotten.topicId(), forgotten.topic(), partition));
                }
            }
            for (FetchTopic topic : request.topics()) {
                for (FetchPartition partition : topic.partitions()) {
                    Key key = new Key(topic.topicId(), topic.topic(), partition.partition());
                    Cached cached = session.partitions.get(key);
                    if (cached == null) {
                        session.partitions.put(key, new Cached(partition));
                    } else {
                        cached.request = partition;
                    }
                }
            }
            session.epoch = FetchMetadata.nextEpoch(epoch);
            session.lastUsedMs = time.milliseconds();
            adjustPartitionCount(session.partitions.size() - before);
            return new Context(Kind.INCREMENTAL, session.topicsToRead(), session, Errors.NONE, privileged,
                    usesTopicIds);
        }
    }

    private Context error(Errors error) {
        return new Context(Kind.ERROR, List.of(), null, error, false, false);
    }

    /** Sessions in the cache. */
    public synchronized int size() {
        return sessions.size();
    }

    /** Partitions over all sessions in the cache. */
    public synchronized long partitions() {
        return partitionsInSessions;
    }

    /** Responses to incremental fetches so far. */
    public long incrementalResponses() {
        return incrementalResponses.get();
    }

    /** Responses to full fetches (opening a session or sessionless) so far. */
    public long fullResponses() {
        return fullResponses.get();
    }

    /** Sessions dropped from the cache to make room for new ones. */
    public long evictions() {
        return evictions.get();
    }

    /** Fetches answered FETCH_SESSION_ID_NOT_FOUND, INVALID_FETCH_SESSION_EPOCH or FETCH_SESSION_TOPIC_ID_ERROR. */
    public long sessionErrors() {
        return sessionErrors.get();
    }

    private synchronized void adjustPartitionCount(long delta) {
        partitionsInSessions += delta;
    }

    private synchronized void remove(int sessionId) {
        Session removed = sessions.remove(sessionId);
        if (removed != null) {
            partitionsInSessions -= removed.size();
        }
    }

    /** Puts a new session in the cache if a slot is free or can be freed; its id, else 0. */
    private synchronized int tryCreate(Session session) {
        if (maxSlots == 0) {
            return FetchMetadata.INVALID_SESSION_ID;
        }
        if (sessions.size() >= maxSlots && !evictOneFor(session)) {
            return FetchMetadata.INVALID_SESSION_ID;
        }
        int id;
        do {
            id = ThreadLocalRandom.current().nextInt(1, Integer.MAX_VALUE);
        } while (sessions.containsKey(id));
        session.id = id;
        sessions.put(id, session);
        partitionsInSessions += session.size();
        return id;
    }

    private boolean evictOneFor(Session candidate) {
        Iterator<Map.Entry<Integer, Session>> lru = sessions.entrySet().iterator();
        Map.Entry<Integer, Session> oldest = lru.next();
        long now = time.milliseconds();
        Session victim = null;
        if (now - oldest.getValue().lastUsedMs > evictionMs) {
            victim = oldest.getValue();
        } else {
            for (Session s : sessions.values()) {
                if (victim == null || weaker(s, victim)) {
                    victim = s;
                }
            }
            if (!weaker(victim, candidate)) {
                return false;
            }
        }
        sessions.remove(victim.id);
        partitionsInSessions -= victim.size();
        evictions.incrementAndGet();
        return true;
    }

    /** A consumer's session is weaker than a follower's; then the one with fewer partitions. */
    private static boolean weaker(Session a, Session b) {
        if (a.privileged != b.privileged) {
            return !a.privileged;
        }
        return a.size() < b.size();
    }

    private static boolean usesTopicIds(FetchRequestData request) {
        for (FetchTopic topic : request.topics()) {
            return !Uuid.ZERO_UUID.equals(topic.topicId());
        }
        for (ForgottenTopic topic : request.forgottenTopicsData()) {
            return !Uuid.ZERO_UUID.equals(topic.topicId());
        }
        return false;
    }

    /** How one fetch is served. */
    public enum Kind {
        /** No session: the response has every partition and session id 0. */
        SESSIONLESS,
        /** A full fetch opening a session. */
        FULL,
        /** An incremental fetch of an existing session. */
        INCREMENTAL,
        /** The session is unknown or out of step: answered with a top-level error and nothing read. */
        ERROR
    }

    /**
     * One fetch's view of its session: what to read, and how to turn the response with every read partition
     * into the one to send.
     */
    public final class Context {
        private final Kind kind;
        private final List<FetchTopic> toRead;
        private final Session session;
        private final Errors error;
        private final boolean privileged;
        private final boolean usesTopicIds;

        private Context(Kind kind, List<FetchTopic> toRead, Session session, Errors error, boolean privileged,
                        boolean usesTopicIds) {
            this.kind = kind;
            this.toRead = toRead;
            this.session = session;
            this.error = error;
            this.privileged = privileged;
            this.usesTopicIds = usesTopicIds;
        }

        public Kind kind() {
            return kind;
        }

        /** NONE, or the session error the fetch is answered with. */
        public Errors error() {
            return error;
        }

        /** The partitions to read, grouped by topic (for an incremental fetch, the whole session). */
        public List<FetchTopic> toRead() {
            return toRead;
        }

        /** The answer to a fetch refused for its session: the error, session id 0, no partitions. */
        public FetchResponseData errorResponse() {
            return new FetchResponseData().setErrorCode(error.code()).setSessionId(FetchMetadata.INVALID_SESSION_ID);
        }

        /**
         * Sets the session id of {@code full} (which holds every partition of {@link #toRead()} in its order,
         * with the topic names or ids of the request) and, for an incremental fetch, drops the partitions
         * with nothing new. Remembers what each partition's response said, so the next incremental response
         * can leave out what did not change.
         */
        public FetchResponseData respond(FetchResponseData full) {
            switch (kind) {
                case SESSIONLESS -> {
                    fullResponses.incrementAndGet();
                    return full.setSessionId(FetchMetadata.INVALID_SESSION_ID);
                }
                case FULL -> {
                    fullResponses.incrementAndGet();
                    Session created = new Session(privileged, usesTopicIds, time.milliseconds());
                    for (FetchTopic topic : toRead) {
                        for (FetchPartition partition : topic.partitions()) {
                            created.partitions.put(new Key(topic.topicId(), topic.topic(), partition.partition()),
                                    new Cached(partition));
                        }
                    }
                    for (FetchableTopicResponse topic : full.responses()) {
                        for (PartitionData pd : topic.partitions()) {
                            Cached cached = created.partitions.get(new Key(topic.topicId(), topic.topic(), pd.partitionIndex()));
                            if (cached != null) {
                                cached.update(pd);
                            }
                        }
                    }
                    return full.setSessionId(tryCreate(created));
                }
                case INCREMENTAL -> {
                    incrementalResponses.incrementAndGet();
                    return incremental(full);
                }
                default -> throw new IllegalStateException("A refused fetch has no response to filter");
            }
        }

        private FetchResponseData incremental(FetchResponseData full) {
            List<FetchableTopicResponse> kept = new ArrayList<>();
            synchronized (session) {
                List<Key> withRecords = new ArrayList<>();
                for (FetchableTopicResponse topic : full.responses()) {
                    FetchableTopicResponse keptTopic = null;
                    for (PartitionData pd : topic.partitions()) {
                        Key key = new Key(topic.topicId(), topic.topic(), pd.partitionIndex());
                        Cached cached = session.partitions.get(key);
                        boolean include = cached == null || cached.update(pd);
                        if (!include) {
                            continue;
                        }
                        if (pd.records() != null && pd.records().sizeInBytes() > 0) {
                            withRecords.add(key);
                        }
                        if (keptTopic == null) {
                            keptTopic = new FetchableTopicResponse().setTopic(topic.topic()).setTopicId(topic.topicId());
                            kept.add(keptTopic);
                        }
                        keptTopic.partitions().add(pd);
                    }
                }
                // Partitions that just got records go to the back, so that a response filled to its limit
                // by the first partitions does not starve the others next time (as Kafka does).
                for (Key key : withRecords) {
                    Cached cached = session.partitions.remove(key);
                    if (cached != null) {
                        session.partitions.put(key, cached);
                    }
                }
                full.setResponses(kept);
                return full.setSessionId(session.id);
            }
        }
    }

    /** A partition of a session: a topic id (requests of version 13 and later) or a topic name, and an index. */
    private record Key(Uuid topicId, String topic, int partition) {
        Key {
            // Versions 13+ name topics by id only; older ones by name only. Keep just the one that identifies.
            if (!Uuid.ZERO_UUID.equals(topicId)) {
                topic = "";
            } else if (topic == null) {
                topic = "";
            }
        }
    }

    /** What a session remembers of one partition: its last request and what its last response said. */
    private static final class Cached {
        FetchPartition request;
        long highWatermark = -1;
        long logStartOffset = -1;
        long lastStableOffset = -1;

        Cached(FetchPartition request) {
            this.request = request;
        }

        /** Records a response; whether it must go to the client (new records or changed metadata). */
        boolean update(PartitionData pd) {
            boolean mustRespond = pd.records() != null && pd.records().sizeInBytes() > 0;
            if (pd.highWatermark() != highWatermark) {
                mustRespond = true;
                highWatermark = pd.highWatermark();
            }
            if (pd.logStartOffset() != logStartOffset) {
                mustRespond = true;
                logStartOffset = pd.logStartOffset();
            }
            if (pd.lastStableOffset() != lastStableOffset) {
                mustRespond = true;
                lastStableOffset = pd.lastStableOffset();
            }
            if (pd.preferredReadReplica() >= 0 || pd.divergingEpoch().epoch() >= 0) {
                mustRespond = true;
            }
            if (pd.errorCode() != Errors.NONE.code()) {
                // Errors always go out, and the partition goes out again once it recovers.
                mustRespond = true;
                highWatermark = -1;
            }
            return mustRespond;
        }
    }

    private static final class Session {
        final boolean privileged;
        final boolean usesTopicIds;
        final LinkedHashMap<Key, Cached> partitions = new LinkedHashMap<>();
        int id;
        int epoch = 1;
        long lastUsedMs;

        Session(boolean privileged, boolean usesTopicIds, long createdMs) {
            this.privileged = privileged;
            this.usesTopicIds = usesTopicIds;
            this.lastUsedMs = createdMs;
        }

        int size() {
            return partitions.size();
        }

        /** The session's partitions as fetch topics, one per run of the same topic in session order. */
        List<FetchTopic> topicsToRead() {
            List<FetchTopic> topics = new ArrayList<>();
            FetchTopic current = null;
            Key currentKey = null;
            for (Map.Entry<Key, Cached> e : partitions.entrySet()) {
                Key key = e.getKey();
                if (current == null || !currentKey.topicId().equals(key.topicId()) || !currentKey.topic().equals(key.topic())) {
                    current = new FetchTopic().setTopic(key.topic()).setTopicId(key.topicId());
                    topics.add(current);
                    currentKey = key;
                }
                current.partitions().add(e.getValue().request);
            }
            return topics;
        }
    }
}
