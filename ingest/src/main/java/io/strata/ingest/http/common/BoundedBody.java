package io.strata.ingest.http.common;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.zip.ZipException;

/**
 * Reads a request body that is parsed in memory, refusing more than a limit (413). A gzip body arrives decompressed
 * ({@link ContentEncodingDecoder}), so the limit is on the decompressed size; a corrupt one is 400.
 */
public final class BoundedBody {

    private BoundedBody() {
    }

    /**
     * @param v2Code the error code of a too-large body in REST Proxy v2 (413 elsewhere)
     */
    public static byte[] read(InputStream in, long maxBytes, Long contentLength, int code) {
        if (contentLength != null && contentLength > maxBytes) {
            throw tooLarge(maxBytes, code);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[16 * 1024];
        long total = 0;
        try {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                total += n;
                if (total > maxBytes) {
                    throw tooLarge(maxBytes, code);
                }
                out.write(buffer, 0, n);
            }
        } catch (ZipException e) {
            throw new HttpApiException(400, 400, "The gzip body is corrupt: " + e.getMessage() + ".");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static HttpApiException tooLarge(long maxBytes, int code) {
        return new HttpApiException(413, code, "The request body exceeds strata.http.max-request-bytes (" + maxBytes + ").");
    }
}
