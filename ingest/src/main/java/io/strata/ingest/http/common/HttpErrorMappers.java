package io.strata.ingest.http.common;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import io.strata.ingest.http.restproxy.v2.V2ErrorCodes;
import jakarta.ws.rs.NotAcceptableException;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Request;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.util.List;

/**
 * Turns errors into JSON bodies in the REST Proxy shape. Codes follow the API of the path: REST Proxy
 * v2 paths get Confluent's v2 codes, everything else the HTTP status. A wrong Content-Type (415) names the
 * types the endpoint accepts.
 */
public class HttpErrorMappers {

    @ServerExceptionMapper
    public Response apiError(HttpApiException e) {
        return json(e.status(), e.errorCode(), e.getMessage());
    }

    @ServerExceptionMapper
    public Response malformedJson(JsonParseException e, UriInfo uri) {
        return json(400, 400, "Malformed JSON: " + e.getOriginalMessage());
    }

    @ServerExceptionMapper
    public Response mismatchedJson(MismatchedInputException e, UriInfo uri) {
        return unprocessable(e, uri);
    }

    @ServerExceptionMapper
    public Response unmappableJson(JsonMappingException e, UriInfo uri) {
        return unprocessable(e, uri);
    }

    @ServerExceptionMapper
    public Response webError(WebApplicationException e, UriInfo uri, HttpHeaders headers, Request request) {
        if (e instanceof NotSupportedException) {
            return json(415, V2ErrorCodes.UNSUPPORTED_MEDIA_TYPE, unsupportedType(headers.getHeaderString(HttpHeaders.CONTENT_TYPE),
                    ConsumedTypes.get().forRequest(uri.getPath(), request.getMethod())));
        }
        int status = e.getResponse().getStatus();
        int code = status;
        if (e instanceof NotAcceptableException && isV2(uri)) {
            code = V2ErrorCodes.NOT_ACCEPTABLE;
        }
        String message = e.getMessage() == null ? Response.Status.fromStatusCode(status).getReasonPhrase() : e.getMessage();
        return json(status, code, message);
    }

    /** Names the content types the endpoint takes, instead of the framework's reference to {@code @Consumes}. */
    static String unsupportedType(String sent, List<String> accepted) {
        String what = sent == null || sent.isBlank() ? "A request without Content-Type" : "Content-Type '" + sent + "'";
        if (accepted.isEmpty()) {
            return what + " is not supported here.";
        }
        return what + " is not accepted here; send " + (accepted.size() == 1 ? accepted.get(0)
                : "one of: " + String.join(", ", accepted)) + ".";
    }

    private static Response unprocessable(JsonMappingException e, UriInfo uri) {
        return json(422, isV2(uri) ? V2ErrorCodes.INVALID_PAYLOAD : 422, "Invalid request body: " + e.getOriginalMessage());
    }

    static boolean isV2(UriInfo uri) {
        String path = uri.getPath();
        String relative = path.startsWith("/") ? path.substring(1) : path;
        return relative.startsWith("topics") || relative.startsWith("consumers");
    }

    public static Response json(int status, int code, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(new ErrorBody(code, message)).build();
    }
}
