package dev.backstop.spring.boot;

import dev.backstop.Backstop;
import dev.backstop.Ticker;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configures the {@link Backstop} bean from {@link BackstopProperties}, unless the application
 * defines its own {@code Backstop}.
 *
 * <p>Each operation's breaker is an {@link dev.backstop.SreBreaker} with the options of {@code
 * backstop.operations.<name>.*} over those of {@code backstop.*}; the group is bounded by {@code
 * backstop.maximum-size} and {@code backstop.expire-after-access}. Time comes from the
 * application's {@link Ticker} bean if it has exactly one (tests declare a fake one), else from
 * {@link Ticker#system()}. {@link BackstopBuilderCustomizer} beans then customize the builder.
 * {@code backstop.enabled=false} turns off this and every other Backstop auto-configuration.
 */
@AutoConfiguration
@ConditionalOnBooleanProperty(name = "backstop.enabled", matchIfMissing = true)
@EnableConfigurationProperties(BackstopProperties.class)
public final class BackstopAutoConfiguration {

  @Bean
  @ConditionalOnMissingBean
  Backstop backstop(
      BackstopProperties properties,
      ObjectProvider<Ticker> ticker,
      ObjectProvider<BackstopBuilderCustomizer> customizers) {
    Ticker time = ticker.getIfUnique(Ticker::system);
    Backstop.Builder builder =
        Backstop.builder().ticker(time).breakers(new Breakers(properties, time));
    if (properties.maximumSize() != null) {
      builder.maximumSize(properties.maximumSize());
    }
    if (properties.expireAfterAccess() != null) {
      builder.expireAfterAccess(properties.expireAfterAccess());
    }
    customizers.orderedStream().forEach(customizer -> customizer.customize(builder));
    return builder.build();
  }
}
