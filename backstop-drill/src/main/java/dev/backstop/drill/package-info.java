/**
 * The Backstop drill: scenarios in which a backend dies, drowns or flickers, a {@link
 * dev.backstop.drill.Simulation} that drives the real {@link dev.backstop.Backstop} middleware
 * through them in simulated time, and the {@link dev.backstop.drill.Metrics} that say how well
 * the breaker protected the backend and the callers.
 *
 * <p>Start with {@link dev.backstop.drill.Simulation#builder(Scenario)}. The {@code ./drill}
 * command at the root of the repository is the command line on top of this package.
 *
 * <p>Parameters and return values are non-null unless stated otherwise.
 */
package dev.backstop.drill;
