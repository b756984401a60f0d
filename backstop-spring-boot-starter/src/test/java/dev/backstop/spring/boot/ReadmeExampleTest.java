package dev.backstop.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backstop.Backstop;
import dev.backstop.SreBreaker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.ByteArrayResource;

/** The README's complete application.yaml binds, and means what the README says. */
class ReadmeExampleTest {

  @Test
  void theReadmesApplicationYamlStartsAndConfiguresEachOperation() throws Exception {
    String readme = Files.readString(Path.of("../README.md"), StandardCharsets.UTF_8);
    int section = readme.indexOf("\n## Spring Boot\n");
    assertThat(section).isPositive();
    int start = readme.indexOf("```yaml\n", section) + "```yaml\n".length();
    String yaml = readme.substring(start, readme.indexOf("```", start));
    List<PropertySource<?>> sources =
        new YamlPropertySourceLoader()
            .load("README", new ByteArrayResource(yaml.getBytes(StandardCharsets.UTF_8)));

    new ApplicationContextRunner()
        .withConfiguration(
            AutoConfigurations.of(
                BackstopAutoConfiguration.class, BackstopEndpointAutoConfiguration.class))
        .withInitializer(
            context -> sources.forEach(s -> context.getEnvironment().getPropertySources().addFirst(s)))
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              Backstop backstop = context.getBean(Backstop.class);
              assertThat(settings(backstop, "users").success()).isEqualTo(0.8);
              assertThat(settings(backstop, "users").window()).isEqualTo(Duration.ofSeconds(5));
              assertThat(settings(backstop, "test.Echo/Unary").request()).isEqualTo(20);
              assertThat(settings(backstop, "test.Echo/Unary").success()).isEqualTo(0.5);
              assertThat(settings(backstop, "http://inventory.internal:8080"))
                  .isEqualTo(
                      new SreBreaker.Settings(
                          0.5, 50, Duration.ofSeconds(5), 10, 0, Duration.ofSeconds(1), false));
              assertThat(context.getBean(BackstopProperties.class).maximumSize()).isEqualTo(1000);
              assertThat(context).hasBean("backstopHealthIndicator");
              assertThat(context).hasSingleBean(BackstopEndpoint.class);
            });
  }

  private static SreBreaker.Settings settings(Backstop backstop, String operation) {
    return ((SreBreaker) backstop.breaker(operation)).settings();
  }
}
