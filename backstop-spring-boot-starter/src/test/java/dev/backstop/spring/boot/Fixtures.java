package dev.backstop.spring.boot;

import dev.backstop.Backstop;
import dev.backstop.testing.FakeTicker;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** User configurations that several context tests share. */
final class Fixtures {

  private Fixtures() {}

  /** An application that defines its own Backstop, {@link #BACKSTOP}. */
  @Configuration(proxyBeanMethods = false)
  static class OwnBackstop {
    static final Backstop BACKSTOP = Backstop.create();

    @Bean
    Backstop myBackstop() {
      return BACKSTOP;
    }
  }

  /** An application with two Backstops, so that none is the one to use. */
  @Configuration(proxyBeanMethods = false)
  static class TwoBackstops {
    @Bean
    Backstop one() {
      return Backstop.create();
    }

    @Bean
    Backstop two() {
      return Backstop.create();
    }
  }

  /** An application whose Ticker bean is a FakeTicker. */
  @Configuration(proxyBeanMethods = false)
  static class FakeTime {
    @Bean
    FakeTicker ticker() {
      return new FakeTicker();
    }
  }
}
