/**
 * Micrometer meters for Backstop: calls by outcome, rejection probability and state per operation,
 * and the number of live operations. See {@link dev.backstop.micrometer.BackstopMetrics}.
 */
module dev.backstop.micrometer {
  requires transitive dev.backstop;
  requires transitive micrometer.core;

  exports dev.backstop.micrometer;
}
