/**
 * Publishes what Backstop's breakers do to a Micrometer {@link
 * io.micrometer.core.instrument.MeterRegistry}: start with {@link
 * dev.backstop.micrometer.BackstopMetrics}.
 *
 * <p>Parameters and return values are non-null unless stated otherwise.
 */
package dev.backstop.micrometer;
