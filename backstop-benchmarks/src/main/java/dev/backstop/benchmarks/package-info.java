/**
 * JMH benchmarks of Backstop's hot paths, measured beside baselines (an empty method, {@code
 * LongAdder.increment()}, {@code System.nanoTime()}) and the breakers people would pick instead,
 * plus {@link dev.backstop.benchmarks.Report}, which turns JMH's JSON results into the Markdown
 * table of {@code RESULTS.md}.
 *
 * <p>Every benchmark state is shared by all benchmark threads ({@code Scope.Benchmark}), so a run
 * with {@code -t 2} measures two threads on one breaker.
 *
 * <p>Parameters and return values are non-null unless stated otherwise.
 */
package dev.backstop.benchmarks;
