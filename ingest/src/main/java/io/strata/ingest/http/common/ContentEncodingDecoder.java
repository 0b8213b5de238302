package io.strata.ingest.http.common;

import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.ext.Provider;
import jakarta.ws.rs.ext.ReaderInterceptor;
import jakarta.ws.rs.ext.ReaderInterceptorContext;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

/**
 * Decodes request bodies sent with {@code Content-Encoding: gzip}, for every HTTP endpoint that reads a body (NDJSON
 * ingest, REST Proxy v2 and v3 produce, v2 consumer calls), so that each reads plain bytes. {@code identity} or no
 * header passes the body through; any other encoding is refused with 415 in the endpoint's error format.
 *
 * <p>The body is decompressed as it is read, never buffered here, so an endpoint's byte limits apply to the
 * decompressed size (a small gzip body cannot expand past them). The gzip header is read on the first read, inside
 * the endpoint: a body that is not gzip fails there with a {@link java.util.zip.ZipException}, which each endpoint
 * reports as a 400 in its own format (NDJSON keeps the lines read before it).
 *
 * <p>Stateless and thread-safe.
 */
@Provider
public class ContentEncodingDecoder implements ReaderInterceptor {

    @Override
    public Object aroundReadFrom(ReaderInterceptorContext context) throws IOException {
        String encoding = context.getHeaders().getFirst(HttpHeaders.CONTENT_ENCODING);
        context.setInputStream(decoded(context.getInputStream(), encoding));
        if (isGzip(encoding)) {
            context.getHeaders().remove(HttpHeaders.CONTENT_ENCODING);
        }
        return context.proceed();
    }

    /**
     * The body as the endpoints read it: decompressed when the encoding is gzip (lazily, see the class doc).
     *
     * @throws HttpApiException 415 for an encoding other than gzip or identity
     */
    public static InputStream decoded(InputStream raw, String encoding) {
        if (isGzip(encoding)) {
            return new LazyGzip(raw);
        }
        if (!isIdentity(encoding)) {
            throw new HttpApiException(415, "Unsupported Content-Encoding '" + encoding + "': send gzip or no encoding.");
        }
        return raw;
    }

    /** Whether the header names a compression this class removes (so declared lengths are not the body's size). */
    public static boolean isGzip(String encoding) {
        if (encoding == null) {
            return false;
        }
        String e = encoding.trim().toLowerCase(Locale.ROOT);
        return e.equals("gzip") || e.equals("x-gzip");
    }

    private static boolean isIdentity(String encoding) {
        return encoding == null || encoding.isBlank() || encoding.trim().equalsIgnoreCase("identity");
    }

    /** A gzip stream created on the first read, so that a bad header is an I/O error of the reader, not of set-up. */
    private static final class LazyGzip extends FilterInputStream {
        private final InputStream raw;
        private boolean opened;

        LazyGzip(InputStream raw) {
            super(raw);
            this.raw = raw;
        }

        private void open() throws IOException {
            if (!opened) {
                opened = true;
                in = new GZIPInputStream(raw, 64 * 1024);
            }
        }

        @Override
        public int read() throws IOException {
            open();
            return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            open();
            return in.read(b, off, len);
        }

        @Override
        public long skip(long n) throws IOException {
            open();
            return in.skip(n);
        }

        @Override
        public int available() throws IOException {
            return opened ? in.available() : 0;
        }

        @Override
        public boolean markSupported() {
            return false;
        }
    }
}
