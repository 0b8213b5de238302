package io.strata.examples.parquet;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;

/**
 * Reads the {@code device-readings} topic of the iot-averages example straight from the bucket Strata tiers to
 * (no broker involved), with the readings' JSON fields as typed columns, and writes them as Parquet partitioned by
 * device; prints the per-device averages of what it wrote. Usage (see the README):
 * <pre>
 * DeviceReadingsToParquet --endpoint http://127.0.0.1:9000 --bucket strata --access-key K --secret-key S \
 *     [--topic device-readings] [--prefix P] --out /tmp/readings-parquet
 * </pre>
 */
public final class DeviceReadingsToParquet {

    /** The fields of {@code io.strata.examples.iot.Reading}. */
    static final String READING_SCHEMA = "device STRING, temperature DOUBLE, humidity DOUBLE, ts LONG";

    private DeviceReadingsToParquet() {
    }

    public static void main(String[] args) {
        Map<String, String> a = parse(args);
        String out = require(a, "out");
        Map<String, String> options = new LinkedHashMap<>();
        options.put("bucket", require(a, "bucket"));
        if (a.containsKey("endpoint")) {
            options.put("endpoint", a.get("endpoint"));
        }
        if (a.containsKey("access-key")) {
            options.put("accessKey", a.get("access-key"));
            options.put("secretKey", require(a, "secret-key"));
        }
        if (a.containsKey("prefix")) {
            options.put("prefix", a.get("prefix"));
        }
        options.put("subscribe", a.getOrDefault("topic", "device-readings"));
        options.put("valueFormat", "json");
        options.put("valueSchema", READING_SCHEMA);

        SparkSession spark = SparkSession.builder().master(a.getOrDefault("master", "local[2]"))
                .appName("device-readings-to-parquet")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.ui.enabled", "false")
                .getOrCreate();
        spark.sparkContext().setLogLevel(a.getOrDefault("log-level", "WARN"));
        try {
            Dataset<Row> readings = spark.read().format("strata").options(options).load()
                    .select("device", "temperature", "humidity", "ts", "partition", "offset", "timestamp");
            readings.write().mode("overwrite").partitionBy("device").parquet(out);
            Dataset<Row> written = spark.read().parquet(out);
            System.out.println("Wrote " + written.count() + " readings to " + out);
            written.groupBy("device").agg(count("*").as("readings"), avg("temperature").as("avg_temperature"),
                    avg("humidity").as("avg_humidity")).orderBy(col("device")).show(100, false);
        } finally {
            spark.stop();
        }
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value pairs, got " + String.join(" ", args));
            }
            out.put(args[i].substring(2), args[++i]);
        }
        return out;
    }

    private static String require(Map<String, String> a, String name) {
        String v = a.get(name);
        if (v == null) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return v;
    }
}
