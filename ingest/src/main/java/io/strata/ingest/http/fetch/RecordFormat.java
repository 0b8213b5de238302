package io.strata.ingest.http.fetch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.TextNode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;

/**
 * How the simple fetch shows record keys and values: {@code base64} (any bytes), {@code json} (the bytes are one
 * JSON document, embedded as JSON, like REST Proxy's json format) or {@code text} (UTF-8, as a JSON string).
 * Bytes that are not valid in the asked format are given as base64 instead, and the record says so, so one odd
 * record never breaks a read.
 *
 * <p>Stateless and thread-safe.
 */
public enum RecordFormat {
    BASE64, JSON, TEXT;

    private static final ObjectReader STRICT_JSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build().reader();

    /** A key or value as shown: the node, and why it is base64 against the asked format (null when it is not). */
    public record Rendered(JsonNode node, String fallbackReason) {
    }

    /** The format named by a query parameter, case-insensitive. */
    public static RecordFormat parse(String name, String parameter) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(parameter + " must be base64, json or text, not '" + name + "'.");
        }
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Renders bytes (consumed from the buffer); null stays null. */
    public Rendered render(ByteBuffer buffer) {
        if (buffer == null) {
            return new Rendered(null, null);
        }
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return switch (this) {
            case BASE64 -> base64(bytes, null);
            case TEXT -> text(bytes);
            case JSON -> json(bytes);
        };
    }

    private static Rendered base64(byte[] bytes, String reason) {
        return new Rendered(TextNode.valueOf(Base64.getEncoder().encodeToString(bytes)), reason);
    }

    private static Rendered text(byte[] bytes) {
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
            return new Rendered(TextNode.valueOf(chars.toString()), null);
        } catch (CharacterCodingException e) {
            return base64(bytes, "not valid UTF-8");
        }
    }

    private static Rendered json(byte[] bytes) {
        try {
            JsonNode node = STRICT_JSON.readTree(bytes);
            if (node == null || node.isMissingNode()) {
                return base64(bytes, "not JSON: empty");
            }
            return new Rendered(node, null);
        } catch (JsonProcessingException e) {
            return base64(bytes, "not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            return base64(bytes, "not valid JSON: " + e.getMessage());
        }
    }
}
