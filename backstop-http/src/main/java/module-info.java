/**
 * Backstop for the JDK's {@link java.net.http.HttpClient}: {@link
 * dev.backstop.http.BackstopHttpClient} wraps a client and guards its requests with one circuit
 * breaker per origin. It depends on backstop-core only.
 */
module dev.backstop.http {
  requires transitive dev.backstop;
  requires transitive java.net.http;

  exports dev.backstop.http;
}
