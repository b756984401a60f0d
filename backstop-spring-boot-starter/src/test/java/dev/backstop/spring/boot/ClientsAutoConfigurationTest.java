package dev.backstop.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backstop.Backstop;
import dev.backstop.grpc.BackstopClientInterceptor;
import io.grpc.ClientInterceptor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.grpc.client.autoconfigure.GrpcClientAutoConfiguration;
import org.springframework.boot.restclient.RestClientCustomizer;
import org.springframework.boot.restclient.RestTemplateBuilder;
import org.springframework.boot.restclient.autoconfigure.RestClientAutoConfiguration;
import org.springframework.boot.restclient.autoconfigure.RestTemplateAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.grpc.client.GlobalClientInterceptor;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.support.RestClientHttpServiceGroupConfigurer;

/** Which clients are guarded, with and without their classes, beans and switches. */
class ClientsAutoConfigurationTest {

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(
              AutoConfigurations.of(
                  BackstopAutoConfiguration.class,
                  BackstopRestClientAutoConfiguration.class,
                  BackstopGrpcClientAutoConfiguration.class,
                  RestClientAutoConfiguration.class,
                  RestTemplateAutoConfiguration.class,
                  GrpcClientAutoConfiguration.class,
                  SslAutoConfiguration.class));

  @Test
  void everyClientIsGuardedByDefault() {
    runner.run(
        context -> {
          BackstopRequestInterceptor interceptor = context.getBean(BackstopRequestInterceptor.class);
          assertThat(restClientInterceptors(context)).containsExactly(interceptor);
          assertThat(restTemplateInterceptors(context)).containsExactly(interceptor);
          assertThat(context).hasSingleBean(RestClientHttpServiceGroupConfigurer.class);
          assertThat(context.getBeansWithAnnotation(GlobalClientInterceptor.class).values())
              .containsExactly(context.getBean(BackstopClientInterceptor.class));
        });
  }

  @Test
  void theInterceptorsUseTheApplicationsBackstop() {
    runner.run(
        context -> {
          Backstop backstop = context.getBean(Backstop.class);
          assertThat(context.getBean(BackstopRequestInterceptor.class).toString())
              .endsWith(backstop + ")");
          assertThat(context.getBean(BackstopClientInterceptor.class).toString())
              .endsWith(backstop + ")");
        });
  }

  @Test
  void eachClientCanBeTurnedOff() {
    runner
        .withPropertyValues("backstop.rest-client.enabled=false")
        .run(
            context -> {
              assertThat(restClientInterceptors(context)).isEmpty();
              assertThat(context).doesNotHaveBean(RestClientHttpServiceGroupConfigurer.class);
              assertThat(restTemplateInterceptors(context)).hasSize(1);
              assertThat(context).hasSingleBean(BackstopClientInterceptor.class);
            });
    runner
        .withPropertyValues("backstop.rest-template.enabled=false")
        .run(
            context -> {
              assertThat(restClientInterceptors(context)).hasSize(1);
              assertThat(restTemplateInterceptors(context)).isEmpty();
            });
    runner
        .withPropertyValues("backstop.grpc.enabled=false")
        .run(
            context -> {
              assertThat(context).doesNotHaveBean(BackstopClientInterceptor.class);
              assertThat(restClientInterceptors(context)).hasSize(1);
            });
  }

  @Test
  void disabledBackstopGuardsNothingEvenWithABackstopOfTheApplications() {
    runner
        .withUserConfiguration(Fixtures.OwnBackstop.class)
        .withPropertyValues("backstop.enabled=false")
        .run(
            context -> {
              assertThat(context).doesNotHaveBean(BackstopRequestInterceptor.class);
              assertThat(context).doesNotHaveBean(BackstopClientInterceptor.class);
              assertThat(restClientInterceptors(context)).isEmpty();
            });
  }

  @Test
  void theApplicationsBackstopIsTheOneUsed() {
    runner
        .withUserConfiguration(Fixtures.OwnBackstop.class)
        .run(
            context ->
                assertThat(context.getBean(BackstopRequestInterceptor.class).toString())
                    .endsWith(Fixtures.OwnBackstop.BACKSTOP + ")"));
  }

  @Test
  void twoBackstopsGuardNothing() {
    runner
        .withUserConfiguration(Fixtures.TwoBackstops.class)
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context).doesNotHaveBean(BackstopRequestInterceptor.class);
              assertThat(context).doesNotHaveBean(BackstopClientInterceptor.class);
            });
  }

  @Test
  void theApplicationsInterceptorsReplaceOurs() {
    runner
        .withUserConfiguration(OwnInterceptors.class)
        .run(
            context -> {
              assertThat(restClientInterceptors(context))
                  .containsExactly(OwnInterceptors.HTTP);
              assertThat(restTemplateInterceptors(context)).containsExactly(OwnInterceptors.HTTP);
              assertThat(context.getBeansOfType(ClientInterceptor.class).values())
                  .containsExactly(OwnInterceptors.GRPC);
            });
  }

  @Test
  void withoutBootsRestClientModuleNoHttpClientIsGuarded() {
    runner
        .withClassLoader(new FilteredClassLoader(RestClientCustomizer.class))
        .run(
            context -> {
              assertThat(context).doesNotHaveBean(BackstopRequestInterceptor.class);
              assertThat(context).hasSingleBean(BackstopClientInterceptor.class);
            });
  }

  @Test
  void withoutSpringGrpcOrGrpcNoChannelIsGuarded() {
    runner
        .withClassLoader(new FilteredClassLoader(GlobalClientInterceptor.class))
        .run(
            context -> {
              assertThat(context).doesNotHaveBean(BackstopClientInterceptor.class);
              assertThat(context).hasSingleBean(BackstopRequestInterceptor.class);
            });
    runner
        .withClassLoader(new FilteredClassLoader("io.grpc"))
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              assertThat(context).doesNotHaveBean(BackstopClientInterceptor.class);
              assertThat(context).hasSingleBean(BackstopRequestInterceptor.class);
            });
  }

  @Test
  void withoutHttpServiceGroupsTheirConfigurerIsLeftOut() {
    runner
        .withClassLoader(new FilteredClassLoader(RestClientHttpServiceGroupConfigurer.class))
        .run(
            context -> {
              assertThat(context).doesNotHaveBean(RestClientHttpServiceGroupConfigurer.class);
              assertThat(restClientInterceptors(context)).hasSize(1);
            });
  }

  private static List<ClientHttpRequestInterceptor> restClientInterceptors(
      AssertableApplicationContext context) {
    List<ClientHttpRequestInterceptor> seen = new ArrayList<>();
    context.getBean(RestClient.Builder.class).requestInterceptors(seen::addAll);
    return seen;
  }

  private static List<ClientHttpRequestInterceptor> restTemplateInterceptors(
      AssertableApplicationContext context) {
    return context.getBean(RestTemplateBuilder.class).build().getInterceptors();
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnInterceptors {
    static final BackstopRequestInterceptor HTTP =
        BackstopRequestInterceptor.builder().operation(request -> "all").build();
    static final BackstopClientInterceptor GRPC =
        BackstopClientInterceptor.builder().operation((method, options) -> "all").build();

    @Bean
    BackstopRequestInterceptor myHttpInterceptor() {
      return HTTP;
    }

    @Bean
    @GlobalClientInterceptor
    BackstopClientInterceptor myGrpcInterceptor() {
      return GRPC;
    }
  }
}
