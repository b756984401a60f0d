package dev.backstop.readme;

import dev.backstop.Backstop;
import dev.backstop.micrometer.BackstopMetrics;
import io.micrometer.core.instrument.MeterRegistry;

/** The README's Micrometer section. */
final class MicrometerExamples {

  static Backstop metered(MeterRegistry registry) {
    // README: Metrics (Micrometer)
    BackstopMetrics metrics = BackstopMetrics.create();   // or create(Tags.of("client", "users"))
    Backstop backstop = Backstop.builder().listener(metrics).build();
    metrics.monitor(backstop).bindTo(registry);           // with Spring Boot: return it as a MeterBinder bean
    return backstop;
  }

  private MicrometerExamples() {}
}
