package dev.backstop.spring.boot;

import dev.backstop.Backstop;
import dev.backstop.grpc.BackstopClientInterceptor;
import io.grpc.ClientInterceptor;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.context.annotation.Bean;
import org.springframework.grpc.client.GlobalClientInterceptor;

/**
 * Guards every gRPC channel that Spring gRPC builds ({@code GrpcChannelFactory}, {@code
 * @ImportGrpcClients}) with a {@link BackstopClientInterceptor} on the application's {@link
 * Backstop}, registered as a {@link GlobalClientInterceptor}: one breaker per full method name.
 *
 * <p>An application that defines its own {@code BackstopClientInterceptor} bean (to change the
 * operation or the failure rule) replaces this one, and annotates it with {@code
 * @GlobalClientInterceptor} itself. {@code backstop.grpc.enabled=false} turns it off.
 */
@AutoConfiguration(after = BackstopAutoConfiguration.class)
@ConditionalOnClass({ClientInterceptor.class, GlobalClientInterceptor.class})
@ConditionalOnBooleanProperty(
    name = {"backstop.enabled", "backstop.grpc.enabled"},
    matchIfMissing = true)
@ConditionalOnSingleCandidate(Backstop.class)
public final class BackstopGrpcClientAutoConfiguration {

  @Bean
  @GlobalClientInterceptor
  @ConditionalOnMissingBean
  BackstopClientInterceptor backstopClientInterceptor(Backstop backstop) {
    return BackstopClientInterceptor.create(backstop);
  }
}
