package io.strata.ingest.http.ingest;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.async.ByteArrayFeeder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;

/**
 * Checks that an NDJSON line is exactly one JSON document and finds the value of the key field in it, for
 * one upload. A line is accepted when Jackson's parser (with the node's settings, as {@link ObjectReader}
 * configures it: no comments, no trailing commas, no leading zeros, no NaN, nesting and number lengths within
 * {@code StreamReadConstraints}) reads it as one document, and it is valid UTF-8 (RFC 8259 section 8.1: no
 * overlong forms, no encoded surrogates, nothing above U+10FFFF, which Jackson's parser lets through).
 *
 * <p>Fast path: one Jackson non-blocking parser for the whole upload, fed each line straight from the read
 * buffer; the line's root value is walked token by token (strings and numbers are not turned into objects,
 * field names come from Jackson's symbol table), so a valid line allocates nothing but its key; a new parser
 * every MiB bounds that table. Slow path, for lines the fast path does not accept and for keys that are not
 * strings: the blocking parser over a copy of the line, exactly as lines were checked before, which gives the
 * error message and decides; the non-blocking parser is then replaced, since a failed one cannot go on. The fast path only ever accepts
 * lines the slow path accepts (it is the same grammar; {@code LineValidatorTest} compares them).
 *
 * <p>Not thread-safe: one per upload.
 */
final class LineValidator {

    /** A line that is not stored; the message says why. */
    static final class InvalidLine extends Exception {
        InvalidLine(String message) {
            super(message, null, false, false);
        }
    }

    private final ObjectReader json;
    private final String[] keyPath;
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder(); // reports malformed input
    private final CharBuffer decoded = CharBuffer.allocate(4096);
    /**
     * Bytes after which the parser is replaced: it keeps every field name it met in its symbol table, so an upload of
     * ever new names must not grow one table without bound.
     */
    private static final long RENEW_BYTES = 1 << 20;

    private JsonParser parser;
    private ByteArrayFeeder feeder;
    private long fed;
    /** Set by the walk when the key value is not a string: the slow path renders it. */
    private boolean keyNeedsTree;

    /**
     * @param json    reads lines as the node's ObjectMapper does, without FAIL_ON_TRAILING_TOKENS (trailing
     *                content is checked here, and a key value read mid-line is followed by the rest of its line)
     * @param keyPath the key field's path (dotted name split), or null for no key
     */
    LineValidator(ObjectReader json, String[] keyPath) {
        this.json = json;
        this.keyPath = keyPath;
    }

    /**
     * Checks the line at {@code array[offset..offset+length)}; {@code array[offset+length]} must be whitespace
     * (the line's end, see {@link LineReader}).
     *
     * @param ascii whether every byte is below 0x80 (then the UTF-8 check is skipped)
     * @return the key of the line's record, null for none
     * @throws InvalidLine with the reason, when the line is not stored
     */
    byte[] check(byte[] array, int offset, int length, boolean ascii) throws InvalidLine {
        byte[] key;
        try {
            key = fastCheck(array, offset, length + 1);
        } catch (IOException | RuntimeException e) {
            key = null;
            keyNeedsTree = false;
            parser = null; // a parser that failed cannot go on
        }
        if (parser == null || keyNeedsTree) {
            keyNeedsTree = false;
            key = slowCheck(array, offset, length);
        }
        if (!ascii) {
            checkUtf8(array, offset, length);
        }
        return key;
    }

    /** The key, having read the line as one document; parser set to null when it did not read so. */
    private byte[] fastCheck(byte[] array, int offset, int lengthWithEnd) throws IOException {
        if (parser == null || fed > RENEW_BYTES) {
            parser = json.createNonBlockingByteArrayParser();
            feeder = (ByteArrayFeeder) parser.getNonBlockingInputFeeder();
            fed = 0;
        }
        feeder.feedInput(array, offset, offset + lengthWithEnd);
        fed += lengthWithEnd;
        JsonToken root = next();
        byte[] key = null;
        if (keyPath != null && root == JsonToken.START_OBJECT) {
            key = findKey(0);
        } else {
            skip(root);
        }
        if (parser.nextToken() != JsonToken.NOT_AVAILABLE) {
            parser = null; // a second document on the line: the slow path reports it
        }
        return key;
    }

    /** The next token of the line; a line that ends inside the document fails. */
    private JsonToken next() throws IOException {
        JsonToken t = parser.nextToken();
        if (t == JsonToken.NOT_AVAILABLE || t == null) {
            throw new JsonParseException(parser, "The line ends inside the JSON document");
        }
        return t;
    }

    private void skip(JsonToken t) throws IOException {
        if (!t.isStructStart()) {
            return;
        }
        int depth = 1;
        while (depth > 0) {
            t = next();
            if (t.isStructStart()) {
                depth++;
            } else if (t.isStructEnd()) {
                depth--;
            }
        }
    }

    /** The object the parser is at, to its end: the value at keyPath[level..] within it, or null (as the slow path). */
    private byte[] findKey(int level) throws IOException {
        byte[] key = null;
        JsonToken t;
        while ((t = next()) == JsonToken.FIELD_NAME) {
            boolean onPath = keyPath[level].equals(parser.currentName());
            JsonToken value = next();
            if (!onPath) {
                skip(value);
            } else if (level == keyPath.length - 1) {
                if (value == JsonToken.VALUE_STRING) {
                    key = parser.getText().getBytes(StandardCharsets.UTF_8);
                } else {
                    keyNeedsTree = true; // numbers, booleans, null, objects, arrays: rare, rendered by the slow path
                    skip(value);
                }
            } else if (value == JsonToken.START_OBJECT) {
                key = findKey(level + 1);
            } else {
                skip(value);
                key = null;
            }
        }
        if (t != JsonToken.END_OBJECT) {
            throw new JsonParseException(parser, "Unexpected token " + t + " in an object");
        }
        return key;
    }

    /** The line checked as before, by the blocking parser over a copy of it: the key, or why the line is not JSON. */
    private byte[] slowCheck(byte[] array, int offset, int length) throws InvalidLine {
        byte[] line = java.util.Arrays.copyOfRange(array, offset, offset + length);
        try (JsonParser p = json.createParser(line)) {
            JsonToken root = p.nextToken();
            byte[] key = null;
            if (keyPath != null && root == JsonToken.START_OBJECT) {
                key = slowFindKey(p, 0);
            } else {
                p.skipChildren();
            }
            if (p.nextToken() != null) {
                throw new JsonParseException(p, "Trailing token (of type " + p.currentToken()
                        + ") found after the JSON document");
            }
            return key;
        } catch (IOException e) {
            String detail = e instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : e.getMessage();
            throw new InvalidLine("Malformed JSON: " + detail);
        }
    }

    private byte[] slowFindKey(JsonParser p, int level) throws IOException {
        byte[] key = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            boolean onPath = keyPath[level].equals(p.currentName());
            JsonToken value = p.nextToken();
            if (!onPath) {
                p.skipChildren();
            } else if (level == keyPath.length - 1) {
                key = slowKeyBytes(p, value);
            } else if (value == JsonToken.START_OBJECT) {
                key = slowFindKey(p, level + 1);
            } else {
                p.skipChildren();
                key = null;
            }
        }
        return key;
    }

    /** Strings as their text, other values as the tree renders them (null: no key). */
    private byte[] slowKeyBytes(JsonParser p, JsonToken value) throws IOException {
        if (value == JsonToken.VALUE_STRING) {
            return p.getText().getBytes(StandardCharsets.UTF_8);
        }
        JsonNode node = json.readTree(p);
        if (node == null || node.isNull() || node.isMissingNode()) {
            return null;
        }
        return (node.isValueNode() ? node.asText() : node.toString()).getBytes(StandardCharsets.UTF_8);
    }

    /** Strict UTF-8 (the JDK decoder: no overlong forms, surrogates or code points above U+10FFFF), decoded into a reused buffer. */
    private void checkUtf8(byte[] array, int offset, int length) throws InvalidLine {
        ByteBuffer in = ByteBuffer.wrap(array, offset, length);
        utf8.reset();
        CoderResult result;
        do {
            decoded.clear();
            result = utf8.decode(in, decoded, true);
        } while (result.isOverflow());
        if (result.isError()) {
            throw new InvalidLine("Malformed JSON: Invalid UTF-8 (" + result.length() + " byte(s) at byte "
                    + (in.position() - offset + 1) + " of the line)");
        }
    }
}
