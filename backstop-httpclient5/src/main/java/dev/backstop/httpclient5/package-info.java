/**
 * Circuit breakers for Apache HttpClient 5: install {@link dev.backstop.httpclient5.BackstopExec}
 * in the execution chain of a classic or async client, and every request asks its operation's
 * breaker first.
 *
 * <p>Parameters and return values are non-null unless stated otherwise.
 */
package dev.backstop.httpclient5;
