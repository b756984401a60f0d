/**
 * Circuit breakers for Project Reactor: apply {@link dev.backstop.reactor.BackstopOperator} to a
 * {@code Mono} or {@code Flux} with {@code transformDeferred}, and each subscription asks its
 * operation's breaker first.
 *
 * <p>Parameters and return values are non-null unless stated otherwise.
 */
package dev.backstop.reactor;
