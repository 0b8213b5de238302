package io.strata.ingest.http;

import io.restassured.RestAssured;
import io.restassured.config.EncoderConfig;
import io.restassured.http.ContentType;

/** REST Assured set-up shared by the HTTP API tests. */
final class HttpTests {

    static final String BINARY_V2 = "application/vnd.kafka.binary.v2+json";
    static final String JSON_V2 = "application/vnd.kafka.json.v2+json";
    static final String NDJSON = "application/x-ndjson";

    private HttpTests() {
    }

    /** Lets REST Assured send String bodies with the API's own content types as they are. */
    static void textBodies() {
        EncoderConfig encoders = RestAssured.config().getEncoderConfig()
                .encodeContentTypeAs(NDJSON, ContentType.TEXT)
                .encodeContentTypeAs(BINARY_V2, ContentType.TEXT)
                .encodeContentTypeAs(JSON_V2, ContentType.TEXT)
                .appendDefaultContentCharsetToContentTypeIfUndefined(false);
        RestAssured.config = RestAssured.config().encoderConfig(encoders);
    }
}
