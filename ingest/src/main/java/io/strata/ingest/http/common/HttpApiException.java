package io.strata.ingest.http.common;

/**
 * An error answered as {@code {"error_code": ..., "message": ...}} with the given HTTP status.
 * REST Proxy v2 uses Confluent's five-digit codes (40401 ...); v3 and the other endpoints use the status.
 */
public final class HttpApiException extends RuntimeException {

    private final int status;
    private final int errorCode;

    public HttpApiException(int status, int errorCode, String message) {
        super(message);
        this.status = status;
        this.errorCode = errorCode;
    }

    /** An error whose code is its HTTP status. */
    public HttpApiException(int status, String message) {
        this(status, status, message);
    }

    public int status() {
        return status;
    }

    public int errorCode() {
        return errorCode;
    }
}
