package io.strata.ingest.observability;

import io.strata.ingest.node.StrataNode;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready only while the Kafka listener accepts connections (after every log has been opened). */
@Readiness
@ApplicationScoped
public class KafkaListenerReadiness implements HealthCheck {

    @Inject
    StrataNode node;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("kafka-listener").status(node.isServingKafka()).build();
    }
}
