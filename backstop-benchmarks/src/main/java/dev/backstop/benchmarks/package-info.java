/**
 * JMH benchmarks of Backstop's hot paths, measured beside baselines (an empty method, {@code
 * LongAdder.increment()}, {@code System.nanoTime()}) and the breakers people would pick instead,
 * and of each integration's loopback call plain and guarded ({@link
 * dev.backstop.benchmarks.Integrations}); two commands that count what JMH cannot, {@link
 * dev.backstop.benchmarks.IntegrationAllocations} (objects per call) and {@link
 * dev.backstop.benchmarks.OperationMemory} (bytes per idle operation); and {@link
 * dev.backstop.benchmarks.Report}, which turns all of it into the Markdown of {@code RESULTS.md}.
 *
 * <p>Every benchmark state is shared by all benchmark threads ({@code Scope.Benchmark}), so a run
 * with {@code -t 2} measures two threads on one breaker.
 *
 * <p>Parameters and return values are non-null unless stated otherwise.
 */
package dev.backstop.benchmarks;
