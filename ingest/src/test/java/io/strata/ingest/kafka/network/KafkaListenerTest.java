package io.strata.ingest.kafka.network;

import org.apache.kafka.common.security.auth.SecurityProtocol;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KafkaListenerTest {

    @Test
    void listenersTakeTheirProtocolFromTheirNameOrTheMapAndAdvertiseTheirBindAddressUnlessTold() {
        List<KafkaListener> listeners = KafkaListener.resolve(
                "PLAINTEXT://127.0.0.1:9092,sasl_ssl://:9093,INTERNAL://10.0.0.5:9094",
                "SASL_SSL://broker.example.com:19093", "INTERNAL:PLAINTEXT", "advertised.example.com", 0);

        assertThat(listeners).extracting(l -> l.name().value()).containsExactly("PLAINTEXT", "SASL_SSL", "INTERNAL");
        assertThat(listeners).extracting(KafkaListener::protocol).containsExactly(SecurityProtocol.PLAINTEXT,
                SecurityProtocol.SASL_SSL, SecurityProtocol.PLAINTEXT);
        assertThat(listeners.get(1).bindHost()).isEqualTo("0.0.0.0");
        assertThat(listeners.get(1).advertisedHost()).isEqualTo("broker.example.com");
        assertThat(listeners.get(1).advertisedPort()).isEqualTo(19093);
        assertThat(listeners.get(2).advertisedHost()).isEqualTo("10.0.0.5");
        assertThat(listeners.get(2).advertisedPort()).as("0: the port bound").isZero();
        assertThat(listeners.get(1).sasl()).isTrue();
        assertThat(listeners.get(1).tls()).isTrue();
        assertThat(KafkaListener.interBroker(listeners, null).name().value()).isEqualTo("PLAINTEXT");
        assertThat(KafkaListener.interBroker(listeners, "internal").name().value()).isEqualTo("INTERNAL");
    }

    @Test
    void inconsistentSettingsAreRefusedWithTheSettingNamed() {
        assertThatThrownBy(() -> KafkaListener.resolve("CLIENT://:9092", "", "", "h", 0))
                .hasMessageContaining("listener.security.protocol.map");
        assertThatThrownBy(() -> KafkaListener.resolve("PLAINTEXT://:9092", "SSL://h:1", "", "h", 0))
                .hasMessageContaining("not among the listeners");
        assertThatThrownBy(() -> KafkaListener.resolve("PLAINTEXT://:9092,PLAINTEXT://:9093", "", "", "h", 0))
                .hasMessageContaining("twice");
        List<KafkaListener> secureOnly = KafkaListener.resolve("SASL_SSL://:9093", "", "", "h", 0);
        assertThatThrownBy(() -> KafkaListener.interBroker(secureOnly, null)).hasMessageContaining("No PLAINTEXT listener");
        assertThatThrownBy(() -> KafkaListener.interBroker(secureOnly, "SASL_SSL")).hasMessageContaining("must be PLAINTEXT");
    }
}
