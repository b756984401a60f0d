package dev.backstop.spring.boot;

import dev.backstop.Backstop;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.restclient.RestClientCustomizer;
import org.springframework.boot.restclient.RestTemplateCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.web.client.support.RestClientHttpServiceGroupConfigurer;

/**
 * Guards the {@code RestClient}s and {@code RestTemplate}s built from Boot's {@code
 * RestClient.Builder} and {@code RestTemplateBuilder} with a {@link BackstopRequestInterceptor}
 * on the application's {@link Backstop}: one breaker per origin, and per group name for the
 * clients of HTTP service groups ({@code @ImportHttpServices}).
 *
 * <p>The interceptor is the application's {@code BackstopRequestInterceptor} bean if it defines
 * one (to change the operation or the failure rule), else one made here. {@code
 * backstop.rest-client.enabled=false} and {@code backstop.rest-template.enabled=false} turn each
 * client off.
 */
@AutoConfiguration(after = BackstopAutoConfiguration.class)
@ConditionalOnClass({ClientHttpRequestInterceptor.class, RestClientCustomizer.class})
@ConditionalOnBooleanProperty(name = "backstop.enabled", matchIfMissing = true)
@ConditionalOnSingleCandidate(Backstop.class)
public final class BackstopRestClientAutoConfiguration {

  @Bean
  @ConditionalOnMissingBean
  BackstopRequestInterceptor backstopRequestInterceptor(Backstop backstop) {
    return BackstopRequestInterceptor.create(backstop);
  }

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnBooleanProperty(name = "backstop.rest-client.enabled", matchIfMissing = true)
  static class RestClientConfiguration {

    @Bean
    RestClientCustomizer backstopRestClientCustomizer(BackstopRequestInterceptor interceptor) {
      return builder ->
          builder.requestInterceptors(
              interceptors -> {
                if (!interceptors.contains(interceptor)) {
                  interceptors.add(interceptor);
                }
              });
    }

    /** Names each HTTP service group's requests after the group; a call may still set its own. */
    @Bean
    @ConditionalOnClass(RestClientHttpServiceGroupConfigurer.class)
    RestClientHttpServiceGroupConfigurer backstopHttpServiceGroupConfigurer() {
      return groups ->
          groups.forEachClient(
              (group, builder) ->
                  builder.defaultRequest(
                      request ->
                          request.attribute(BackstopRequestInterceptor.OPERATION, group.name())));
    }
  }

  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(RestTemplateCustomizer.class)
  @ConditionalOnBooleanProperty(name = "backstop.rest-template.enabled", matchIfMissing = true)
  static class RestTemplateConfiguration {

    @Bean
    RestTemplateCustomizer backstopRestTemplateCustomizer(BackstopRequestInterceptor interceptor) {
      return template -> {
        if (!template.getInterceptors().contains(interceptor)) {
          template.getInterceptors().add(interceptor);
        }
      };
    }
  }
}
