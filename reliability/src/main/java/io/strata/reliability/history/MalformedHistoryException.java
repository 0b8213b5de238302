package io.strata.reliability.history;

import java.io.IOException;
import java.nio.file.Path;

/** A history line that is not a valid {@link Event}: the message names the file and the 1-based line number. */
public final class MalformedHistoryException extends IOException {

    private final Path file;
    private final long line;

    public MalformedHistoryException(Path file, long line, String problem, Throwable cause) {
        super(file + ":" + line + ": " + problem, cause);
        this.file = file;
        this.line = line;
    }

    public Path file() {
        return file;
    }

    /** 1-based. */
    public long line() {
        return line;
    }
}
