/** Durable committed offsets of consumer groups. */
package io.strata.membership.group;
