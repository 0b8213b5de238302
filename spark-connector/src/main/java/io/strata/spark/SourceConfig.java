package io.strata.spark;

import java.util.Map;
import java.util.function.Function;

/**
 * The settings every reader needs (store, selection, range, sizing) from a plain name-to-value lookup, for
 * callers without Spark (the Hadoop input format). Names are those of the Spark options; the store falls back to
 * Hadoop's {@code fs.s3a.*} names through {@code fallback}. Stateless.
 */
public final class SourceConfig {

    private SourceConfig() {
    }

    /** Store settings from option names, with the S3A properties as fallbacks. */
    public static StoreSettings store(Function<String, String> option, Function<String, String> s3a) {
        String endpoint = first(option.apply("endpoint"), s3a.apply("fs.s3a.endpoint"));
        String pathStyle = first(option.apply("pathStyle"), s3a.apply("fs.s3a.path.style.access"));
        return new StoreSettings(endpoint, first(option.apply("region"), s3a.apply("fs.s3a.endpoint.region")),
                option.apply("bucket"), option.apply("prefix"),
                Boolean.parseBoolean(pathStyle == null ? Boolean.toString(endpoint != null) : pathStyle),
                first(option.apply("accessKey"), s3a.apply("fs.s3a.access.key")),
                first(option.apply("secretKey"), s3a.apply("fs.s3a.secret.key")));
    }

    public static TopicSelection selection(Function<String, String> option) {
        return TopicSelection.of(option.apply("subscribe"), option.apply("subscribePattern"), option.apply("assign"));
    }

    public static java.util.Optional<TopicIds> topicIds(Function<String, String> option) {
        return TopicIds.parse(option.apply("topicIds"));
    }

    public static ReadRange range(Function<String, String> option) {
        return new ReadRange(option.apply("startingOffsets"), option.apply("endingOffsets"),
                longOf(option, "startingTimestamp"), longOf(option, "endingTimestamp"),
                option.apply("startingOffsetsByTimestamp"), option.apply("endingOffsetsByTimestamp"));
    }

    static Long longOf(Function<String, String> option, String name) {
        String v = option.apply(name);
        if (v == null || v.isBlank()) {
            return null;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("option '" + name + "' must be a number, got " + v);
        }
    }

    static String first(String a, String b) {
        return a != null && !a.isBlank() ? a.trim() : b != null && !b.isBlank() ? b.trim() : null;
    }

    static Function<String, String> of(Map<String, String> map) {
        return map::get;
    }
}
