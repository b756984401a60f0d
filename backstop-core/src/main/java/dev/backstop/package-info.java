/**
 * Client-side circuit breakers whose default algorithm is Google SRE client-side adaptive
 * throttling.
 *
 * <p>Start with {@link dev.backstop.Backstop}: it keeps one {@link dev.backstop.CircuitBreaker}
 * per operation in a bounded {@link dev.backstop.Group} and wraps calls with it. {@link
 * dev.backstop.SreBreaker} is the default algorithm; any {@code CircuitBreaker} can replace it.
 *
 * <p>Parameters and return values are non-null unless stated otherwise.
 */
package dev.backstop;
