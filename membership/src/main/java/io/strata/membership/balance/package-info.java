/**
 * Elastic scaling: the controller's {@link io.strata.membership.balance.ClusterBalancer} moves replicas and
 * leaders onto nodes that join and off nodes told to leave ({@link io.strata.membership.balance.DrainRegistry}),
 * a few reassignments at a time, planned by the pure {@link io.strata.membership.balance.BalancePlanner}.
 */
package io.strata.membership.balance;
