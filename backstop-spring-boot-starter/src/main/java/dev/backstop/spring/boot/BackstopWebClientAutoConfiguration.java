package dev.backstop.spring.boot;

import dev.backstop.Backstop;
import dev.backstop.reactor.BackstopOperator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.webclient.WebClientCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.support.WebClientHttpServiceGroupConfigurer;
import reactor.core.publisher.Mono;

/**
 * Guards the {@code WebClient}s built from Boot's {@code WebClient.Builder} with a {@link
 * BackstopExchangeFilter} on the application's {@link Backstop}: one breaker per origin, and per
 * group name for the clients of WebClient-backed HTTP service groups ({@code
 * @ImportHttpServices(clientType = WEB_CLIENT)}).
 *
 * <p>The filter is the application's {@code BackstopExchangeFilter} bean if it defines one (to
 * change the operation or the failure rule), else one made here; it is added after the filters
 * the builder already has, so that it guards each attempt of a retrying filter. It needs Reactor
 * and {@code backstop-reactor}, which the starter brings without Reactor itself. {@code
 * backstop.web-client.enabled=false} turns it off.
 */
@AutoConfiguration(after = BackstopAutoConfiguration.class)
@ConditionalOnClass({
  WebClient.class,
  WebClientCustomizer.class,
  Mono.class,
  BackstopOperator.class
})
@ConditionalOnBooleanProperty(
    name = {"backstop.enabled", "backstop.web-client.enabled"},
    matchIfMissing = true)
@ConditionalOnSingleCandidate(Backstop.class)
public final class BackstopWebClientAutoConfiguration {

  @Bean
  @ConditionalOnMissingBean
  BackstopExchangeFilter backstopExchangeFilter(Backstop backstop) {
    return BackstopExchangeFilter.create(backstop);
  }

  @Bean
  WebClientCustomizer backstopWebClientCustomizer(BackstopExchangeFilter filter) {
    return builder ->
        builder.filters(
            filters -> {
              if (!filters.contains(filter)) {
                filters.add(filter);
              }
            });
  }

  /** Names each HTTP service group's requests after the group; a call may still set its own. */
  @Bean
  @ConditionalOnClass(WebClientHttpServiceGroupConfigurer.class)
  WebClientHttpServiceGroupConfigurer backstopWebClientHttpServiceGroupConfigurer() {
    return groups ->
        groups.forEachClient(
            (group, builder) ->
                builder.defaultRequest(
                    request ->
                        request.attribute(BackstopRequestInterceptor.OPERATION, group.name())));
  }
}
