package dev.backstop.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import com.jayway.jsonpath.JsonPath;
import dev.backstop.Backstop;
import dev.backstop.reactor.BackstopOperator;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.restclient.autoconfigure.RestClientAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.webclient.WebClientCustomizer;
import org.springframework.boot.webclient.autoconfigure.WebClientAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.support.WebClientHttpServiceGroupConfigurer;

/** When the WebClients Boot builds are guarded: classes, beans and switches. */
class WebClientAutoConfigurationTest {

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  BackstopAutoConfiguration.class,
                  BackstopRestClientAutoConfiguration.class,
                  BackstopWebClientAutoConfiguration.class,
                  RestClientAutoConfiguration.class,
                  WebClientAutoConfiguration.class));

  @Test
  void theWebClientBuilderIsGuardedByDefaultWithTheApplicationsBackstop() {
    runner.run(
        context -> {
          BackstopExchangeFilter filter = context.getBean(BackstopExchangeFilter.class);
          assertThat(filters(context)).containsExactly(filter);
          assertThat(filter.toString()).endsWith(context.getBean(Backstop.class) + ")");
          assertThat(context).hasSingleBean(WebClientHttpServiceGroupConfigurer.class);
        });
  }

  @Test
  void theFilterComesAfterTheBuildersOwnAndIsAddedOnce() {
    ExchangeFilterFunction own = (request, next) -> next.exchange(request);
    runner.run(
        context -> {
          WebClient.Builder builder = WebClient.builder().filter(own);
          WebClientCustomizer customizer =
              context.getBean("backstopWebClientCustomizer", WebClientCustomizer.class);
          customizer.customize(builder);
          customizer.customize(builder);
          List<ExchangeFilterFunction> seen = new ArrayList<>();
          builder.filters(seen::addAll);
          assertThat(seen).containsExactly(own, context.getBean(BackstopExchangeFilter.class));
        });
  }

  @Test
  void itCanBeTurnedOffAloneOrWithEverything() {
    runner
        .withPropertyValues("backstop.web-client.enabled=false")
        .run(
            context -> {
              assertThat(context).doesNotHaveBean(BackstopExchangeFilter.class);
              assertThat(context).doesNotHaveBean(WebClientHttpServiceGroupConfigurer.class);
              assertThat(filters(context)).isEmpty();
              assertThat(context).hasSingleBean(BackstopRequestInterceptor.class);
            });
    runner
        .withUserConfiguration(Fixtures.OwnBackstop.class)
        .withPropertyValues("backstop.enabled=false")
        .run(
            context -> {
              assertThat(context).doesNotHaveBean(BackstopExchangeFilter.class);
              assertThat(filters(context)).isEmpty();
            });
  }

  @Test
  void theApplicationsFilterReplacesOurs() {
    runner
        .withUserConfiguration(OwnFilter.class)
        .run(context -> assertThat(filters(context)).containsExactly(OwnFilter.FILTER));
  }

  @Test
  void twoBackstopsGuardNothing() {
    runner
        .withUserConfiguration(Fixtures.TwoBackstops.class)
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context).doesNotHaveBean(BackstopExchangeFilter.class);
              assertThat(filters(context)).isEmpty();
            });
  }

  @Test
  void withoutWebClientBootsWebClientModuleReactorOrBackstopReactorNothingIsAdded() {
    for (FilteredClassLoader without :
        List.of(
            new FilteredClassLoader(WebClient.class),
            new FilteredClassLoader(WebClientCustomizer.class),
            new FilteredClassLoader("reactor.core"),
            new FilteredClassLoader(BackstopOperator.class))) {
      runner
          .withClassLoader(without)
          .run(
              context -> {
                assertThat(context).hasNotFailed();
                assertThat(context).doesNotHaveBean(BackstopExchangeFilter.class);
                assertThat(context).doesNotHaveBean(WebClientHttpServiceGroupConfigurer.class);
                assertThat(context).hasSingleBean(BackstopRequestInterceptor.class);
              });
    }
  }

  @Test
  void withoutHttpServiceGroupsTheirConfigurerIsLeftOut() {
    runner
        .withClassLoader(new FilteredClassLoader(WebClientHttpServiceGroupConfigurer.class))
        .run(
            context -> {
              assertThat(context).doesNotHaveBean(WebClientHttpServiceGroupConfigurer.class);
              assertThat(filters(context)).hasSize(1);
            });
  }

  @Test
  void theSwitchIsDocumentedInTheConfigurationMetadata() throws Exception {
    try (InputStream in =
        getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
      List<Map<String, Object>> found =
          JsonPath.read(in, "$.properties[?(@.name == 'backstop.web-client.enabled')]");
      assertThat(found).hasSize(1);
      assertThat(found.get(0))
          .containsEntry("type", "java.lang.Boolean")
          .containsEntry("defaultValue", true)
          .containsEntry(
              "description",
              "Whether to guard the WebClients built from Boot's WebClient.Builder,"
                  + " WebClient-backed HTTP service groups included.");
    }
  }

  private static List<ExchangeFilterFunction> filters(AssertableApplicationContext context) {
    List<ExchangeFilterFunction> seen = new ArrayList<>();
    context.getBean(WebClient.Builder.class).filters(seen::addAll);
    return seen;
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnFilter {
    static final BackstopExchangeFilter FILTER =
        BackstopExchangeFilter.builder().operation(request -> "all").build();

    @Bean
    BackstopExchangeFilter myFilter() {
      return FILTER;
    }
  }
}
