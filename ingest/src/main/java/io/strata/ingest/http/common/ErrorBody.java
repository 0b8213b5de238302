package io.strata.ingest.http.common;

import com.fasterxml.jackson.annotation.JsonProperty;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** The error body of every HTTP endpoint (Confluent REST Proxy's shape). */
@Schema(name = "Error", description = "An error: a REST Proxy error code (v2: five digits such as 40401; otherwise the HTTP status) and a message")
public record ErrorBody(@JsonProperty("error_code") int errorCode, @JsonProperty("message") String message) {
}
