package io.strata.ingest.observability;

import io.strata.ingest.node.StrataNode;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready only while the Kafka listener accepts connections (after the cluster quorum formed and every
 * hosted replica's log was opened); the {@code phase} says what the node is doing meanwhile.
 */
@Readiness
@ApplicationScoped
public class KafkaListenerReadiness implements HealthCheck {

    @Inject
    StrataNode node;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("kafka-listener").status(node.isServingKafka())
                .withData("phase", node.phase()).build();
    }
}
