/**
 * The embedded Hazelcast member ({@link io.strata.membership.hazelcast.ClusterMember}) and its
 * configuration ({@link io.strata.membership.hazelcast.MembershipConfig}), built in code: TCP-IP join
 * with an explicit member list, multicast and auto-detection off, phone-home off, no shutdown hook,
 * logging through SLF4J. Only Hazelcast Community features are used (no CP subsystem, no Hot Restart).
 */
package io.strata.membership.hazelcast;
