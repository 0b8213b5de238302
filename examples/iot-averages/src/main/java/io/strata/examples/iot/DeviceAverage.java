package io.strata.examples.iot;

/** The mean temperature of a device over all its readings so far. */
public record DeviceAverage(String device, long count, double average) {
}
