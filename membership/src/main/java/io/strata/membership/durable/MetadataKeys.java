package io.strata.membership.durable;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How {@link MetadataStore} implementations name and frame what they store, shared so that every
 * store lays out the same keys the same way.
 *
 * <p><b>Names.</b> Key {@code namespace/name} becomes {@code namespace} plus the name with every byte
 * outside {@code [A-Za-z0-9._-]} (and a leading dot) written as {@code %XX} of its UTF-8 encoding; the
 * escaped form never starts with a dot, so temporary files or objects (which do) are never keys.
 *
 * <p><b>Content</b> (format version 1): {@code u8 1 | i32 keyLength | key UTF-8 | value}, so every
 * stored value names its own key. Stateless.
 */
public final class MetadataKeys {

    static final int FORMAT_VERSION = 1;
    private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9-]+");
    private static final HexFormat HEX = HexFormat.of().withUpperCase();

    private MetadataKeys() {
    }

    /**
     * The namespace of a valid key.
     *
     * @throws IllegalArgumentException unless the key is {@code namespace/name} with a valid namespace
     */
    public static String namespace(String key) {
        int slash = key.indexOf('/');
        if (slash <= 0 || slash == key.length() - 1) {
            throw new IllegalArgumentException("Metadata key must be 'namespace/name': '" + key + "'");
        }
        String namespace = key.substring(0, slash);
        if (!isNamespace(namespace)) {
            throw new IllegalArgumentException("Bad metadata namespace '" + namespace + "'");
        }
        return namespace;
    }

    public static boolean isNamespace(String s) {
        return NAMESPACE.matcher(s).matches();
    }

    /** The escaped name of a valid key (the part after the namespace). */
    public static String escapedName(String key) {
        return escape(key.substring(namespace(key).length() + 1));
    }

    public static String escape(String name) {
        StringBuilder sb = new StringBuilder(name.length());
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) {
            int b = bytes[i] & 0xff;
            boolean plain = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9')
                    || b == '_' || b == '-' || (b == '.' && i > 0);
            if (plain) {
                sb.append((char) b);
            } else {
                sb.append('%').append(HEX.toHexDigits((byte) b));
            }
        }
        return sb.toString();
    }

    public static String unescape(String escaped) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(escaped.length());
        for (int i = 0; i < escaped.length(); i++) {
            char c = escaped.charAt(i);
            if (c == '%' && i + 2 < escaped.length()) {
                out.write(HexFormat.fromHexDigits(escaped, i + 1, i + 3));
                i += 2;
            } else {
                out.write(c);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** The name of an escaped form {@link #escape} could have produced, else empty (a temporary or foreign entry). */
    public static Optional<String> unescapeIfValid(String escaped) {
        if (escaped.isEmpty() || escaped.startsWith(".") || !escaped.matches("([A-Za-z0-9._-]|%[0-9A-F]{2})+")) {
            return Optional.empty();
        }
        return Optional.of(unescape(escaped));
    }

    /** The stored form of a value. */
    public static ByteBuffer frame(String key, byte[] value) {
        byte[] keyBytes = key.getBytes(StandardCharsets.UTF_8);
        ByteBuffer content = ByteBuffer.allocate(1 + 4 + keyBytes.length + value.length);
        content.put((byte) FORMAT_VERSION).putInt(keyBytes.length).put(keyBytes).put(value).flip();
        return content;
    }

    /**
     * Reads the key of stored content, leaving {@code buf} at the value.
     *
     * @param where names the file or object in errors
     */
    public static String readKey(ByteBuffer buf, Object where) {
        if (buf.remaining() < 5 || buf.get() != FORMAT_VERSION) {
            throw new CorruptMetadataException("Unknown format of " + where);
        }
        int len = buf.getInt();
        if (len < 0 || len > buf.remaining()) {
            throw new CorruptMetadataException("Bad key length in " + where);
        }
        String key = new String(buf.array(), buf.arrayOffset() + buf.position(), len, StandardCharsets.UTF_8);
        buf.position(buf.position() + len);
        return key;
    }

    /** The value of stored content, checking that it belongs to {@code key}. */
    public static byte[] unframe(String key, byte[] content, Object where) {
        ByteBuffer buf = ByteBuffer.wrap(content);
        String stored = readKey(buf, where);
        if (!stored.equals(key)) {
            throw new CorruptMetadataException(where + " holds key '" + stored + "', not '" + key + "'");
        }
        byte[] value = new byte[buf.remaining()];
        buf.get(value);
        return value;
    }
}
