package io.strata.ingest.http.common;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.Optional;

/** Settings of the HTTP produce and fetch API ({@code strata.http.*}). */
@ConfigMapping(prefix = "strata.http")
public interface HttpConfig {

    /** Largest body of a REST Proxy (v2, v3) produce request; the body is parsed in memory. */
    @WithDefault("16777216")
    long maxRequestBytes();

    /** Longest long-poll of the simple fetch endpoint. */
    @WithDefault("30s")
    Duration maxFetchWait();

    /** Largest max_bytes the simple fetch endpoint accepts. */
    @WithDefault("4194304")
    int maxFetchBytes();

    Ingest ingest();

    Auth auth();

    /** Authentication of HTTP clients (see README "Securing a cluster"). */
    interface Auth {
        /**
         * Require every request to the HTTP API (not /q/health, /q/metrics, /q/openapi) to authenticate, with
         * HTTP Basic (a SCRAM user) or a bearer JWT. Unset: on exactly when strata.security.authorizer.enabled is.
         */
        Optional<Boolean> enabled();

        /** The realm named in WWW-Authenticate challenges. */
        @WithDefault("strata")
        String realm();
    }

    Consumer consumer();

    /** REST Proxy v2 consumer instances ({@code /consumers/...}); names follow Confluent's kafka-rest settings. */
    interface Consumer {
        /** consumer.instance.timeout.ms: an instance nobody used for this long leaves its group and is deleted. */
        @WithDefault("5m")
        Duration instanceTimeout();

        /** consumer.request.timeout.ms: how long a records read waits when neither the request nor the instance says. */
        @WithDefault("1s")
        Duration requestTimeout();

        /** consumer.request.max.bytes: the most key and value bytes in one records response (max_bytes may ask for less). */
        @WithDefault("67108864")
        long requestMaxBytes();

        /** Instances on this node at once; each owns a Kafka consumer and a thread. More are refused with 429. */
        @WithDefault("1000")
        int maxInstances();
    }

    /** NDJSON device ingest ({@code POST /ingest/{topic}}). */
    interface Ingest {
        /** JSON field whose value keys a line's record (same key, same partition); the X-Strata-Key-Field header overrides it. */
        Optional<String> keyField();

        /** Largest (decompressed) body; more is answered with 413 after what came before is stored. */
        @WithDefault("1073741824")
        long maxBodyBytes();

        /** Largest line; a longer line is rejected on its own. */
        @WithDefault("1048576")
        int maxRecordBytes();

        /** Most lines in one request; more is answered with 413 after what came before is stored. */
        @WithDefault("10000000")
        long maxLines();

        /** Lines appended together. */
        @WithDefault("1000")
        int batchLines();

        /** Bytes appended together. */
        @WithDefault("1048576")
        int batchBytes();

        /** Longest time one upload may take; a slower one is answered with 408 after what came before is stored. */
        @WithDefault("10m")
        Duration maxDuration();

        /** Uploads processed at once; more are answered with 503 at once. */
        @WithDefault("16")
        int maxConcurrent();

        /** Per-line errors listed in a response (all are counted). */
        @WithDefault("1000")
        int maxReportedErrors();
    }
}
