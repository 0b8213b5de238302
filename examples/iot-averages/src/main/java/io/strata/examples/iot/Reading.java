package io.strata.examples.iot;

/** One line a device posts: {@code {"device":"d-1","temperature":21.5,"humidity":40.1,"ts":1700000000000}}. */
public record Reading(String device, double temperature, double humidity, long ts) {
}
