package io.strata.membership.hazelcast;

import com.hazelcast.config.Config;
import io.strata.membership.cluster.NodeInfo;
import io.strata.membership.durable.FileMetadataStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AwsDiscoveryConfigTest {

    @TempDir
    Path dir;

    @Test
    void awsDiscoveryReplacesTheMemberListAndFindsMembersByTagOnTheMemberPort() {
        AwsDiscovery aws = new AwsDiscovery("strata-cluster", Optional.of("prod"), Optional.of("eu-west-1"),
                Optional.of("http://10.0.0.1:8000"), Duration.ofSeconds(3));
        MembershipConfig cfg = MembershipConfig.builder(1001).port(5702).awsDiscovery(aws).splitBrainQuorum(2)
                .metadataStore(new FileMetadataStore(dir)).build();
        Config hz = HazelcastConfigs.build(cfg, new NodeInfo(1001, "127.0.0.1", 9092, "127.0.0.1", 8080, "eu-west-1a"));
        var join = hz.getNetworkConfig().getJoin();
        assertFalse(join.getTcpIpConfig().isEnabled());
        assertTrue(join.getAwsConfig().isEnabled());
        var props = join.getAwsConfig().getProperties();
        assertEquals("strata-cluster", props.get("tag-key"));
        assertEquals("prod", props.get("tag-value"));
        assertEquals("eu-west-1", props.get("region"));
        assertEquals("http://10.0.0.1:8000", props.get("host-header"));
        assertEquals("5702", props.get("hz-port"));
        assertEquals("3", props.get("connection-timeout-seconds"));
        assertNull(props.get("access-key"), "credentials come from the instance profile");
        assertEquals(2, cfg.effectiveQuorum());
    }

    @Test
    void awsDiscoveryNeedsTheQuorumSize() {
        AwsDiscovery aws = new AwsDiscovery("strata-cluster", Optional.empty(), Optional.empty(), Optional.empty(),
                Duration.ofSeconds(5));
        assertThrows(IllegalArgumentException.class, () -> MembershipConfig.builder(1).awsDiscovery(aws)
                .metadataStore(new FileMetadataStore(dir)).build());
    }

    @Test
    void theStaticListStaysTheDefault() {
        MembershipConfig cfg = MembershipConfig.builder(1).members(java.util.List.of("127.0.0.1:5701", "127.0.0.1:5702"))
                .metadataStore(new FileMetadataStore(dir)).build();
        var join = HazelcastConfigs.build(cfg, new NodeInfo(1, "127.0.0.1", 9092, "127.0.0.1", 8080, null))
                .getNetworkConfig().getJoin();
        assertTrue(join.getTcpIpConfig().isEnabled());
        assertFalse(join.getAwsConfig().isEnabled());
    }
}
