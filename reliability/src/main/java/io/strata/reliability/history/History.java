package io.strata.reliability.history;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * The history of one run: a JSON-lines file with one {@link Event} per line, in the order the events were
 * recorded, and the run's clock.
 *
 * <p>Writing: {@link #create} starts the clock ({@link #now()} is milliseconds since then, from
 * {@link System#nanoTime()}, so it never goes back) and opens the file. {@link #record} may be called from any
 * number of threads (producer callbacks, consumer loops, the nemesis); each event becomes one whole line. Events are
 * serialized outside the lock and appended under it; nothing is kept in memory beyond the write buffer, which a
 * background thread flushes every {@code flushInterval} and {@link #close} flushes last. Because callers take the
 * time before they record, file order is recording order and times may be slightly out of order between threads:
 * readers must not assume the file is sorted by time.
 *
 * <p>Reading: {@link #read}, {@link #stream} and {@link #forEach} parse a file back; a line that is not a valid
 * event fails with a {@link MalformedHistoryException} naming its line number. Blank lines are skipped.
 */
public final class History implements Closeable {

    public static final Duration DEFAULT_FLUSH_INTERVAL = Duration.ofSeconds(1);

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectWriter WRITER = JSON.writerFor(Event.class);
    private static final ObjectReader READER = JSON.readerFor(Event.class);

    private final Path path;
    private final long startNanos;
    private final Object lock = new Object();
    private final Writer out;
    private final ScheduledExecutorService flusher;
    private boolean closed;
    private IOException failure;

    private History(Path path, Duration flushInterval) throws IOException {
        this.path = path;
        this.out = new BufferedWriter(new OutputStreamWriter(Files.newOutputStream(path, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE), StandardCharsets.UTF_8), 1 << 16);
        this.flusher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "history-flush");
            t.setDaemon(true);
            return t;
        });
        long ms = Math.max(1, flushInterval.toMillis());
        flusher.scheduleWithFixedDelay(this::flushQuietly, ms, ms, TimeUnit.MILLISECONDS);
        this.startNanos = System.nanoTime();
    }

    /** Creates (or truncates) the file and starts the run's clock. */
    public static History create(Path file) throws IOException {
        return create(file, DEFAULT_FLUSH_INTERVAL);
    }

    public static History create(Path file, Duration flushInterval) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        return new History(file, flushInterval);
    }

    public Path path() {
        return path;
    }

    /** Milliseconds since the run started; monotonic. */
    public long now() {
        return (System.nanoTime() - startNanos) / 1_000_000L;
    }

    /**
     * Appends one event as one line. Thread-safe.
     *
     * @throws IllegalStateException after {@link #close}: an event that comes too late would otherwise be lost
     *                               without a trace
     * @throws UncheckedIOException  if the file cannot be written (the failure is also rethrown by {@link #close})
     */
    public void record(Event event) {
        String line;
        try {
            line = WRITER.writeValueAsString(event);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot serialize " + event, e);
        }
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("history " + path + " is closed; late event: " + line);
            }
            try {
                out.write(line);
                out.write('\n');
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                }
                throw new UncheckedIOException("cannot write history " + path, e);
            }
        }
    }

    /** Writes the buffered events to the file. */
    public void flush() throws IOException {
        synchronized (lock) {
            if (!closed) {
                out.flush();
            }
        }
    }

    private void flushQuietly() {
        try {
            flush();
        } catch (IOException e) {
            synchronized (lock) {
                if (failure == null) {
                    failure = e;
                }
            }
        }
    }

    /** Flushes and closes the file; throws the first write failure, if any. Idempotent. */
    @Override
    public void close() throws IOException {
        flusher.shutdownNow();
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            try {
                out.close();
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                }
            }
            if (failure != null) {
                throw failure;
            }
        }
    }

    // ---- reading ----

    /** Every event of the file, in file order. */
    public static List<Event> read(Path file) throws IOException {
        List<Event> events = new ArrayList<>();
        forEach(file, events::add);
        return events;
    }

    /** Feeds every event of the file, in file order, to {@code sink}, holding one line at a time. */
    public static void forEach(Path file, Consumer<? super Event> sink) throws IOException {
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            Names names = new Names();
            long lineNo = 0;
            String line;
            while ((line = in.readLine()) != null) {
                lineNo++;
                if (!line.isBlank()) {
                    sink.accept(names.share(parse(file, lineNo, line)));
                }
            }
        }
    }

    /**
     * A lazy stream of the file's events; close it (try-with-resources) to close the file. A malformed line ends
     * the stream with an {@link UncheckedIOException} whose cause is a {@link MalformedHistoryException}.
     */
    public static Stream<Event> stream(Path file) throws IOException {
        BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8);
        Iterator<Event> it = new Iterator<>() {
            private final Names names = new Names();
            private long lineNo;
            private Event next;

            @Override
            public boolean hasNext() {
                if (next != null) {
                    return true;
                }
                try {
                    String line;
                    while ((line = in.readLine()) != null) {
                        lineNo++;
                        if (!line.isBlank()) {
                            next = names.share(parse(file, lineNo, line));
                            return true;
                        }
                    }
                    return false;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }

            @Override
            public Event next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                Event e = next;
                next = null;
                return e;
            }
        };
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(it, Spliterator.ORDERED | Spliterator.NONNULL),
                false).onClose(() -> {
                    try {
                        in.close();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
    }

    static Event parse(Path file, long lineNo, String line) throws MalformedHistoryException {
        Event event;
        try {
            event = READER.readValue(line);
        } catch (JsonProcessingException e) {
            throw new MalformedHistoryException(file, lineNo, e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new MalformedHistoryException(file, lineNo, String.valueOf(e.getMessage()), e);
        }
        if (event == null) {
            throw new MalformedHistoryException(file, lineNo, "not an event: " + line, null);
        }
        String missing = missingField(event);
        if (missing != null) {
            throw new MalformedHistoryException(file, lineNo, "a " + event.type() + " event needs \"" + missing
                    + "\": " + line, null);
        }
        return event;
    }

    /**
     * Makes events share one copy of each process, topic, group and info string: a run has few of them but millions
     * of events, and a loaded history is mostly these strings otherwise. Values are unique per send, so they are
     * left alone. Bounded, so a history with unexpectedly many names costs no more than without it.
     */
    private static final class Names {
        private static final int MAX = 10_000;
        private final Map<String, String> known = new HashMap<>();

        Event share(Event e) {
            String process = shared(e.process());
            String topic = shared(e.topic());
            String group = shared(e.group());
            String info = shared(e.info());
            if (process == e.process() && topic == e.topic() && group == e.group() && info == e.info()) {
                return e;
            }
            return new Event(e.time(), e.type(), process, topic, e.partition(), e.offset(), e.value(), e.seq(), group,
                    info);
        }

        private String shared(String s) {
            if (s == null) {
                return null;
            }
            String known = this.known.get(s);
            if (known != null) {
                return known;
            }
            if (this.known.size() < MAX) {
                this.known.put(s, s);
            }
            return s;
        }
    }

    /**
     * The first field an event of its type must have but lacks, or null. Reading rejects such events, so checkers
     * need no null checks.
     */
    public static String missingField(Event e) {
        if (e.type() == null) {
            return "type";
        }
        return switch (e.type()) {
            case SEND, FAIL -> e.process() == null ? "process" : e.topic() == null ? "topic"
                    : e.value() == null ? "value" : null;
            case ACK -> e.process() == null ? "process" : e.topic() == null ? "topic"
                    : e.partition() == null ? "partition" : e.offset() == null ? "offset"
                    : e.value() == null ? "value" : e.seq() == null ? "seq" : null;
            case READ -> e.process() == null ? "process" : e.topic() == null ? "topic"
                    : e.partition() == null ? "partition" : e.offset() == null ? "offset"
                    : e.value() == null ? "value" : null;
            case COMMIT, COMMITTED -> e.group() == null ? "group" : e.topic() == null ? "topic"
                    : e.partition() == null ? "partition" : e.offset() == null ? "offset" : null;
            case NEMESIS -> e.value() == null ? "value" : null;
            case PHASE -> null;
        };
    }
}
