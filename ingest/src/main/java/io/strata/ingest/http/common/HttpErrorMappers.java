package io.strata.ingest.http.common;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import jakarta.ws.rs.NotAcceptableException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Turns errors into JSON bodies in the REST Proxy shape. Codes follow the API of the path: REST Proxy
 * v2 paths get Confluent's v2 codes, everything else the HTTP status.
 */
public class HttpErrorMappers {

    /** Confluent's v2 code for an Accept header it cannot serve. */
    static final int V2_NOT_ACCEPTABLE = 40601;
    /** Confluent's v2 code for a request body it cannot use. */
    public static final int V2_INVALID_PAYLOAD = 42206;

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
    public Response webError(WebApplicationException e, UriInfo uri) {
        int status = e.getResponse().getStatus();
        int code = status;
        if (e instanceof NotAcceptableException && isV2(uri)) {
            code = V2_NOT_ACCEPTABLE;
        }
        String message = e.getMessage() == null ? Response.Status.fromStatusCode(status).getReasonPhrase() : e.getMessage();
        return json(status, code, message);
    }

    private static Response unprocessable(JsonMappingException e, UriInfo uri) {
        return json(422, isV2(uri) ? V2_INVALID_PAYLOAD : 422, "Invalid request body: " + e.getOriginalMessage());
    }

    static boolean isV2(UriInfo uri) {
        String path = uri.getPath();
        return path.startsWith("/topics") || path.startsWith("topics");
    }

    public static Response json(int status, int code, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(new ErrorBody(code, message)).build();
    }
}
