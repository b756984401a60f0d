/**
 * Circuit breakers for the JDK's {@link java.net.http.HttpClient}.
 *
 * <p>{@link dev.backstop.http.BackstopHttpClient#wrap(java.net.http.HttpClient)} returns an
 * {@code HttpClient} that asks a {@link dev.backstop.Backstop} breaker before each request and
 * tells it how the request went.
 *
 * <p>Parameters and return values are non-null unless stated otherwise.
 */
package dev.backstop.http;
