package io.strata.membership.hazelcast;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Member discovery on EC2 with Hazelcast's built-in AWS discovery ({@code network.join.aws}): the members are the
 * running instances carrying a tag, found with the EC2 {@code DescribeInstances} API (the instance role needs
 * {@code ec2:DescribeInstances}). Credentials come from the instance profile through the instance metadata service
 * (IMDSv2, which Hazelcast asks with a session token), as does the region when it is not given.
 *
 * @param tagKey            the tag every member instance carries (e.g. {@code strata-cluster})
 * @param tagValue          its value, the cluster's name; empty: any value
 * @param region            the EC2 region; empty: read from the instance metadata
 * @param endpoint          the EC2 API endpoint: a host name ({@code ec2.eu-west-1.amazonaws.com}, reached over
 *                          HTTPS) or a URL starting with {@code http} used as it is (a VPC endpoint, a test stub);
 *                          empty: the region's public endpoint. Hazelcast calls this setting {@code host-header}.
 * @param connectionTimeout time-out of each call to the EC2 API and the instance metadata service
 */
public record AwsDiscovery(String tagKey, Optional<String> tagValue, Optional<String> region,
                           Optional<String> endpoint, Duration connectionTimeout) {

    public AwsDiscovery {
        Objects.requireNonNull(tagKey, "tagKey");
        if (tagKey.isBlank()) {
            throw new IllegalArgumentException("AWS discovery needs a tag key");
        }
        tagValue = tagValue.filter(v -> !v.isBlank());
        region = region.filter(v -> !v.isBlank());
        endpoint = endpoint.filter(v -> !v.isBlank());
        if (connectionTimeout.toSeconds() < 1) {
            throw new IllegalArgumentException("connectionTimeout must be at least 1 s");
        }
    }
}
