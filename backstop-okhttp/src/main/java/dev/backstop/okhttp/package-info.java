/**
 * Circuit breakers for OkHttp: install {@link dev.backstop.okhttp.BackstopInterceptor} on an
 * {@code OkHttpClient} and every call asks its operation's breaker first.
 *
 * <p>Parameters and return values are non-null unless stated otherwise.
 */
package dev.backstop.okhttp;
