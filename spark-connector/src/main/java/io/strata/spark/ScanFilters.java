package io.strata.spark;

import org.apache.spark.sql.sources.EqualTo;
import org.apache.spark.sql.sources.Filter;
import org.apache.spark.sql.sources.GreaterThan;
import org.apache.spark.sql.sources.GreaterThanOrEqual;
import org.apache.spark.sql.sources.In;
import org.apache.spark.sql.sources.LessThan;
import org.apache.spark.sql.sources.LessThanOrEqual;

import java.io.Serializable;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What pushed-down filters on {@code partition}, {@code offset} and {@code timestamp} allow the planner to skip:
 * a partition range or set, an offset range, and a lowest timestamp (whole segments whose largest timestamp is
 * below it, and the part of a segment that its time index shows to be older). The bounds are conservative: Spark
 * evaluates every filter again on the rows read, so a bound that lets more through costs bytes, never results.
 * Immutable.
 *
 * @param partitionMin    lowest partition, inclusive
 * @param partitionMax    highest partition, inclusive
 * @param partitionSet    partitions allowed, or null for any within the range
 * @param offsetMin       lowest offset, inclusive
 * @param offsetMax       offset after the highest allowed
 * @param minTimestampMs  lowest record timestamp (ms) allowed, or Long.MIN_VALUE
 */
record ScanFilters(int partitionMin, int partitionMax, List<Integer> partitionSet, long offsetMin, long offsetMax,
                   long minTimestampMs) implements Serializable {

    static final ScanFilters NONE = new ScanFilters(Integer.MIN_VALUE, Integer.MAX_VALUE, null, Long.MIN_VALUE,
            Long.MAX_VALUE, Long.MIN_VALUE);

    boolean allowsPartition(int p) {
        return p >= partitionMin && p <= partitionMax && (partitionSet == null || partitionSet.contains(p));
    }

    boolean hasTimestampBound() {
        return minTimestampMs != Long.MIN_VALUE;
    }

    /**
     * Narrows by the filters this class understands; returns the ones it used.
     *
     * @param partitionColumn name of the partition column (metadata columns may be renamed, see {@link RowSchema})
     */
    static ScanFilters from(Filter[] filters, String partitionColumn, String offsetColumn, String timestampColumn,
                            List<Filter> used) {
        int pMin = Integer.MIN_VALUE;
        int pMax = Integer.MAX_VALUE;
        List<Integer> pSet = null;
        long oMin = Long.MIN_VALUE;
        long oMax = Long.MAX_VALUE;
        long tMin = Long.MIN_VALUE;
        for (Filter f : filters) {
            String attr = attribute(f);
            if (attr == null) {
                continue;
            }
            Object v = value(f);
            boolean applied = true;
            if (attr.equals(partitionColumn) && (v instanceof Number || f instanceof In)) {
                if (f instanceof In in) {
                    List<Integer> values = new ArrayList<>();
                    for (Object o : in.values()) {
                        if (o instanceof Number n) {
                            values.add(n.intValue());
                        }
                    }
                    pSet = pSet == null ? values : new ArrayList<>(pSet.stream().filter(values::contains).toList());
                } else {
                    int n = ((Number) v).intValue();
                    if (f instanceof EqualTo) {
                        pMin = Math.max(pMin, n);
                        pMax = Math.min(pMax, n);
                    } else if (f instanceof GreaterThan) {
                        pMin = Math.max(pMin, n + 1);
                    } else if (f instanceof GreaterThanOrEqual) {
                        pMin = Math.max(pMin, n);
                    } else if (f instanceof LessThan) {
                        pMax = Math.min(pMax, n - 1);
                    } else if (f instanceof LessThanOrEqual) {
                        pMax = Math.min(pMax, n);
                    } else {
                        applied = false;
                    }
                }
            } else if (attr.equals(offsetColumn) && (v instanceof Number || f instanceof In)) {
                if (f instanceof In in) {
                    long lo = Long.MAX_VALUE;
                    long hi = Long.MIN_VALUE;
                    for (Object o : in.values()) {
                        if (o instanceof Number n) {
                            lo = Math.min(lo, n.longValue());
                            hi = Math.max(hi, n.longValue());
                        }
                    }
                    if (lo <= hi) {
                        oMin = Math.max(oMin, lo);
                        oMax = Math.min(oMax, hi + 1);
                    }
                } else {
                    long n = ((Number) v).longValue();
                    if (f instanceof EqualTo) {
                        oMin = Math.max(oMin, n);
                        oMax = Math.min(oMax, n + 1);
                    } else if (f instanceof GreaterThan) {
                        oMin = Math.max(oMin, n + 1);
                    } else if (f instanceof GreaterThanOrEqual) {
                        oMin = Math.max(oMin, n);
                    } else if (f instanceof LessThan) {
                        oMax = Math.min(oMax, n);
                    } else if (f instanceof LessThanOrEqual) {
                        oMax = Math.min(oMax, n + 1);
                    } else {
                        applied = false;
                    }
                }
            } else if (attr.equals(timestampColumn) && micros(v) != null
                    && (f instanceof GreaterThan || f instanceof GreaterThanOrEqual || f instanceof EqualTo)) {
                // floor(micros / 1000) is at or below the bound for >, >= and = alike.
                tMin = Math.max(tMin, Math.floorDiv(micros(v), 1000L));
            } else {
                applied = false;
            }
            if (applied) {
                used.add(f);
            }
        }
        return new ScanFilters(pMin, pMax, pSet, oMin, oMax, tMin);
    }

    private static String attribute(Filter f) {
        if (f instanceof In in) {
            return in.attribute();
        }
        String[] refs = f.references();
        return refs.length == 1 && value(f) != null ? refs[0] : null;
    }

    private static Object value(Filter f) {
        if (f instanceof EqualTo e) {
            return e.value();
        } else if (f instanceof GreaterThan g) {
            return g.value();
        } else if (f instanceof GreaterThanOrEqual g) {
            return g.value();
        } else if (f instanceof LessThan l) {
            return l.value();
        } else if (f instanceof LessThanOrEqual l) {
            return l.value();
        }
        return null;
    }

    /** A filter's timestamp value in microseconds since the epoch, or null if it is none. */
    static Long micros(Object v) {
        if (v instanceof Timestamp ts) {
            return Math.floorDiv(ts.getTime(), 1000L) * 1_000_000L + ts.getNanos() / 1000;
        }
        if (v instanceof Instant i) {
            return i.getEpochSecond() * 1_000_000L + i.getNano() / 1000;
        }
        return null;
    }

    @Override
    public String toString() {
        return "partition in [" + partitionMin + ", " + partitionMax + "]" + (partitionSet == null ? "" : " and " + partitionSet)
                + ", offset in [" + offsetMin + ", " + offsetMax + "), timestamp >= " + minTimestampMs + " ms";
    }

    static String describe(Filter[] filters) {
        return Arrays.toString(filters);
    }
}
