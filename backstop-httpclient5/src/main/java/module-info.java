/**
 * Backstop for Apache HttpClient 5: exec-chain handlers for the classic and the async client that
 * guard requests with one Backstop circuit breaker per origin or named operation.
 */
module dev.backstop.httpclient5 {
  requires transitive dev.backstop;
  requires transitive org.apache.httpcomponents.client5.httpclient5;
  requires transitive org.apache.httpcomponents.core5.httpcore5;

  exports dev.backstop.httpclient5;
}
