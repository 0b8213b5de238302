package io.strata.ingest.http.ingest;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link LineValidator} accepts exactly the lines the blocking Jackson parser accepted before it (the reference
 * below is that code), with the same keys and error messages, except invalid UTF-8, which it now rejects too.
 */
class LineValidatorTest {

    private static final ObjectReader JSON = JsonMapper.builder().build().reader()
            .without(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** What happened to a line: its key (as text, "-" for none), or the error. */
    private static String outcome(LineValidator validator, byte[] line) {
        byte[] buffer = Arrays.copyOf(line, line.length + 1);
        buffer[line.length] = '\n'; // as LineReader leaves it
        try {
            byte[] key = validator.check(buffer, 0, line.length, isAscii(line));
            return "key " + (key == null ? "-" : HexFormat.of().formatHex(key));
        } catch (LineValidator.InvalidLine e) {
            return e.getMessage();
        }
    }

    /** The check lines had before: the blocking parser over the line, then (new) strict UTF-8. */
    private static String reference(byte[] line, String[] keyPath) {
        byte[] key;
        try (JsonParser p = JSON.createParser(line)) {
            JsonToken root = p.nextToken();
            key = null;
            if (keyPath != null && root == JsonToken.START_OBJECT) {
                key = findKey(p, keyPath, 0);
            } else {
                p.skipChildren();
            }
            if (p.nextToken() != null) {
                throw new JsonParseException(p, "Trailing token (of type " + p.currentToken() + ") found after the JSON document");
            }
        } catch (IOException e) {
            return "Malformed JSON: " + (e instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : e.getMessage());
        }
        try {
            StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(line));
        } catch (CharacterCodingException e) {
            return "Malformed JSON: Invalid UTF-8";
        }
        return "key " + (key == null ? "-" : HexFormat.of().formatHex(key));
    }

    private static byte[] findKey(JsonParser p, String[] keyPath, int level) throws IOException {
        byte[] key = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            boolean onPath = keyPath[level].equals(p.currentName());
            JsonToken value = p.nextToken();
            if (!onPath) {
                p.skipChildren();
            } else if (level == keyPath.length - 1) {
                if (value == JsonToken.VALUE_STRING) {
                    key = p.getText().getBytes(StandardCharsets.UTF_8);
                } else {
                    JsonNode node = JSON.readTree(p);
                    key = node == null || node.isNull() || node.isMissingNode() ? null
                            : (node.isValueNode() ? node.asText() : node.toString()).getBytes(StandardCharsets.UTF_8);
                }
            } else if (value == JsonToken.START_OBJECT) {
                key = findKey(p, keyPath, level + 1);
            } else {
                p.skipChildren();
                key = null;
            }
        }
        return key;
    }

    private static boolean isAscii(byte[] line) {
        for (byte b : line) {
            if (b < 0) {
                return false;
            }
        }
        return true;
    }

    private static String normalised(String outcome) {
        return outcome.startsWith("Malformed JSON: Invalid UTF-8 (") ? "Malformed JSON: Invalid UTF-8" : outcome;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void trickyInvalidJsonIsRejected() {
        List<byte[]> invalid = new ArrayList<>(List.of(
                bytes("{\"a\":\"\\x\"}"), bytes("\"\\u12\""), bytes("\"\\u12g4\""), bytes("\"\\\""),   // bad escapes
                bytes("{\"a\":1,}"), bytes("[1,]"), bytes("[,1]"), bytes("{,}"),                          // trailing/leading commas
                bytes("01"), bytes("-01"), bytes("{\"a\":00}"), bytes("[-0123]"),                        // leading zeros
                bytes("1."), bytes(".5"), bytes("1e"), bytes("1e+"), bytes("-"), bytes("+1"), bytes("0x10"),
                bytes("NaN"), bytes("Infinity"), bytes("-Infinity"), bytes("tru"), bytes("nul"), bytes("True"),
                bytes("'a'"), bytes("{a:1}"), bytes("{\"a\" 1}"), bytes("[1 2]"), bytes("{\"a\":1}}"), bytes("[1]]"),
                bytes("\"unterminated"), bytes("{\"a\":1"), bytes("[1,"), bytes("// c"), bytes("/* c */ {}"),
                bytes("{\"a\":\"tab\there\"}"), bytes("\"\u0001\""),                                      // raw control characters
                bytes("{\"a\":1} {\"b\":2}"), bytes("{}{}"), bytes("1 2"), bytes("[] x"),                 // two documents
                bytes("[".repeat(1001) + "]".repeat(1001)),                                              // nesting over 1000
                bytes("1" + "0".repeat(1001)),                                                           // number over 1000 digits
                new byte[] {'"', (byte) 0x80, '"'},                                 // lone continuation byte
                new byte[] {'"', (byte) 0xFF, '"'},                                 // never valid in UTF-8
                new byte[] {'"', (byte) 0xC3, '"'},                                 // truncated sequence
                new byte[] {'"', (byte) 0xC0, (byte) 0x80, '"'},                    // overlong NUL
                new byte[] {'"', (byte) 0xE0, (byte) 0x80, (byte) 0x80, '"'},        // overlong three-byte form
                new byte[] {'"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"'},        // encoded surrogate U+D800
                new byte[] {'"', (byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80, '"'}, // above U+10FFFF
                new byte[] {'{', '"', (byte) 0xC0, (byte) 0xAF, '"', ':', '1', '}'})); // overlong '/' in a field name
        for (String[] keyPath : new String[][] {null, {"a"}}) {
            LineValidator validator = new LineValidator(JSON, keyPath);
            for (byte[] line : invalid) {
                String got = outcome(validator, line);
                assertThat(got).as("%s", HexFormat.of().formatHex(line)).startsWith("Malformed JSON: ");
                assertThat(normalised(got)).as("%s", HexFormat.of().formatHex(line)).isEqualTo(reference(line, keyPath));
            }
        }
    }

    @Test
    void validJsonIsAcceptedWithTheKeyItHadBefore() {
        List<String> valid = List.of("{\"a\":\"x\"}", "-0", "1E+2", "0.0e-0", "[]", "{}", "\"\\ud800\"", "\"\\udc00x\"",
                "{\"a\":\"\\u00e9\\n\\\"\"}", "{\"a\":42}", "{\"a\":1.50}", "{\"a\":{\"b\":[1,true,null]}}", "{\"a\":null}",
                "{\"a\":\"first\",\"a\":\"last\"}", "{\"a\":\"k\",\"a\":7}", "  {\"a\" : \"s p\" }  ", "\t[1, 2]",
                "[".repeat(1000) + "]".repeat(1000), "\"caf\u00e9 \uD83D\uDE00\"", "{\"caf\u00e9\":\"\u00fc\"}", "true", "null", "12");
        for (String[] keyPath : new String[][] {null, {"a"}, {"a", "b"}}) {
            LineValidator validator = new LineValidator(JSON, keyPath);
            for (String line : valid) {
                String got = outcome(validator, bytes(line));
                assertThat(got).as(line).startsWith("key ").isEqualTo(reference(bytes(line), keyPath));
            }
        }
    }

    @Test
    void linesKeepTheirOutcomeAcrossTheParsersRenewal() {
        LineValidator validator = new LineValidator(JSON, new String[] {"device"});
        String pad = "p".repeat(200);
        for (int i = 0; i < 12_000; i++) { // about 2.6 MB: the parser is renewed twice
            String line = "{\"device\":\"d" + i + "\",\"pad\":\"" + pad + "\",\"n\":" + i + "}";
            assertThat(outcome(validator, bytes(line))).isEqualTo("key " + HexFormat.of().formatHex(bytes("d" + i)));
            if (i % 5000 == 0) {
                assertThat(outcome(validator, bytes(line + ","))).startsWith("Malformed JSON: ");
            }
        }
    }

    /**
     * Random edits of JSON lines, checked one after another by one validator as an upload does (so a line after a
     * rejected one meets a fresh parser): every outcome, key and message is what the reference gives.
     */
    @Test
    void randomlyEditedLinesHaveTheOutcomeTheyHadBefore() {
        String[] seeds = {
                "{\"device\":\"sensor-000042\",\"ts\":1700000000000,\"temperature\":21.50,\"location\":{\"lat\":52.1,\"lon\":13.4},\"ok\":true}",
                "{\"m\":{\"id\":\"x\\u00e9\"},\"a\":[1,-2.5e3,true,false,null,\"s\\n\"],\"n\":{}}",
                "[{\"device\":1},{\"device\":\"two\"},\"caf\u00e9\",0.0]"};
        byte[] alphabet = bytes("{}[],:\"\\ 0123456789eE.-+tfnulrsax\t\r/'");
        byte[] high = {(byte) 0x80, (byte) 0xBF, (byte) 0xC0, (byte) 0xC3, (byte) 0xED, (byte) 0xF0, (byte) 0xF4, (byte) 0xFF};
        Random random = new Random(20261206);
        for (String[] keyPath : new String[][] {null, {"device"}, {"m", "id"}}) {
            LineValidator validator = new LineValidator(JSON, keyPath);
            int rejected = 0;
            for (int i = 0; i < 4000; i++) {
                byte[] line = bytes(seeds[random.nextInt(seeds.length)]);
                int edits = 1 + random.nextInt(3);
                for (int e = 0; e < edits && line.length > 1; e++) {
                    int at = random.nextInt(line.length);
                    byte b = random.nextInt(8) == 0 ? high[random.nextInt(high.length)] : alphabet[random.nextInt(alphabet.length)];
                    line = switch (random.nextInt(4)) {
                        case 0 -> concat(Arrays.copyOfRange(line, 0, at), Arrays.copyOfRange(line, at + 1, line.length));
                        case 1 -> concat(Arrays.copyOfRange(line, 0, at), new byte[] {b}, Arrays.copyOfRange(line, at, line.length));
                        case 2 -> {
                            line[at] = b;
                            yield line;
                        }
                        default -> random.nextBoolean() ? Arrays.copyOfRange(line, 0, at) : line; // cut short, or left valid
                    };
                }
                if (isBlankLine(line)) {
                    continue; // never handed to the validator
                }
                String expected = reference(line, keyPath);
                assertThat(normalised(outcome(validator, line))).as("%s", new String(line, StandardCharsets.ISO_8859_1))
                        .isEqualTo(expected);
                rejected += expected.startsWith("Malformed") ? 1 : 0;
            }
            assertThat(rejected).as("edits that broke the JSON").isBetween(700, 3950);
        }
    }

    private static boolean isBlankLine(byte[] line) {
        for (byte b : line) {
            if (b != ' ' && b != '\t' && b != '\r') {
                return false;
            }
        }
        return true;
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
