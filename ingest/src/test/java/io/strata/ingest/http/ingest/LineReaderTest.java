package io.strata.ingest.http.ingest;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class LineReaderTest {

    /** Hands out at most {@code step} bytes per read, so lines straddle the reader's buffer refills. */
    private static InputStream trickle(String text, int step) {
        return new FilterInputStream(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8))) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return super.read(b, off, Math.min(len, step));
            }
        };
    }

    private static List<String> read(InputStream in, int maxLineBytes) throws IOException {
        LineReader reader = new LineReader(in, maxLineBytes);
        List<String> out = new ArrayList<>();
        while (reader.next()) {
            if (!reader.tooLong()) {
                // A parser may read one byte past the line: it is always the line's (whitespace) end.
                byte after = reader.array()[reader.offset() + reader.length()];
                assertThat(after == '\n' || after == '\r').as("byte after line %d", reader.number()).isTrue();
            }
            out.add(reader.number() + ":" + (reader.tooLong() ? "TOO LONG " + reader.totalLength()
                    : new String(reader.copy(), StandardCharsets.UTF_8)));
        }
        return out;
    }

    @Test
    void splitsLinesWhetherTheyArriveWholeOrInPieces() throws IOException {
        String text = "alpha\r\nbeta\n\n" + "x".repeat(30) + "\ngamma\r\nlast-without-newline";
        List<String> expected = List.of("1:alpha", "2:beta", "3:", "4:TOO LONG 30", "5:gamma", "6:last-without-newline");
        for (int step : new int[] {1, 2, 3, 7, 64 * 1024}) {
            assertThat(read(trickle(text, step), 25)).as("reads of %d bytes", step).isEqualTo(expected);
        }
    }

    @Test
    void aLineOfExactlyTheLimitFitsEvenWithACarriageReturn() throws IOException {
        String ten = "0123456789";
        for (int step : new int[] {1, 4, 64 * 1024}) {
            assertThat(read(trickle(ten + "\r\n" + ten + "X\n", step), 10))
                    .containsExactly("1:" + ten, "2:TOO LONG 11");
        }
    }

    @Test
    void tellsWhetherALineIsAscii() throws IOException {
        for (int step : new int[] {1, 3, 64 * 1024}) {
            LineReader reader = new LineReader(trickle("plain\ncaf\u00e9\nlast", step), 100);
            List<Boolean> ascii = new ArrayList<>();
            while (reader.next()) {
                ascii.add(reader.ascii());
            }
            assertThat(ascii).as("reads of %d bytes", step).containsExactly(true, false, true);
        }
    }

    @Test
    void findsANonAsciiByteAndTheLineEndAtEveryPositionOfAWord() throws IOException {
        for (int at = 0; at < 20; at++) {
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < 20; i++) {
                text.append(i == at ? '\u00e9' : (char) ('a' + i));
            }
            String line = text.toString();
            String body = "x".repeat(at) + "\n" + line + "\n" + "y".repeat(19 - at) + "\n";
            LineReader reader = new LineReader(trickle(body, 64 * 1024), 100);
            List<String> lines = new ArrayList<>();
            List<Boolean> ascii = new ArrayList<>();
            while (reader.next()) {
                lines.add(new String(reader.copy(), StandardCharsets.UTF_8));
                ascii.add(reader.ascii());
            }
            assertThat(lines).as("non-ASCII at %d", at).containsExactly("x".repeat(at), line, "y".repeat(19 - at));
            assertThat(ascii).as("non-ASCII at %d", at).containsExactly(true, false, true);
        }
    }

    @Test
    void countsTheBytesItConsumed() throws IOException {
        LineReader reader = new LineReader(trickle("a\nbb\n", 2), 10);
        while (reader.next()) {
            // drain
        }
        assertThat(reader.bytesRead()).isEqualTo(5);
    }
}
