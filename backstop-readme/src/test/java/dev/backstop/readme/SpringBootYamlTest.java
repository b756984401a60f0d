package dev.backstop.readme;

import static org.assertj.core.api.Assertions.assertThat;

import com.jayway.jsonpath.JsonPath;
import dev.backstop.Backstop;
import dev.backstop.SreBreaker;
import dev.backstop.spring.boot.BackstopAutoConfiguration;
import dev.backstop.spring.boot.BackstopEndpoint;
import dev.backstop.spring.boot.BackstopEndpointAutoConfiguration;
import dev.backstop.spring.boot.BackstopProperties;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.ByteArrayResource;

/** The README's complete application.yaml (Spring Boot) binds, and means what the README says. */
class SpringBootYamlTest {

  @Test
  void theReadmesApplicationYamlStartsAndConfiguresEachOperation() throws Exception {
    List<PropertySource<?>> sources = readmeYaml();

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
              BackstopProperties properties = context.getBean(BackstopProperties.class);
              assertThat(properties.maximumSize()).isEqualTo(1000);
              assertThat(properties.webClient().enabled()).isTrue();
              assertThat(context).hasBean("backstopHealthIndicator");
              assertThat(context).hasSingleBean(BackstopEndpoint.class);
            });
  }

  @Test
  void theReadmesApplicationYamlSetsEveryDocumentedKey() throws Exception {
    Set<String> keys = new TreeSet<>();
    for (PropertySource<?> source : readmeYaml()) {
      keys.addAll(List.of(((EnumerablePropertySource<?>) source).getPropertyNames()));
    }
    List<String> documented;
    try (InputStream in =
        getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
      documented = JsonPath.read(in, "$.properties[*].name");
    }
    assertThat(documented).contains("backstop.web-client.enabled", "backstop.operations");
    for (String key : documented) {
      if (key.startsWith("management.")) {
        continue; // Boot's own settings of the endpoint, left at their defaults
      }
      assertThat(keys)
          .as("the README's application.yaml sets " + key)
          .anyMatch(k -> k.equals(key) || k.startsWith(key + "."));
    }
  }

  private static List<PropertySource<?>> readmeYaml() throws Exception {
    String readme = Files.readString(ReadmeTest.README, StandardCharsets.UTF_8);
    int section = readme.indexOf("\n## Spring Boot\n");
    assertThat(section).isPositive();
    int start = readme.indexOf("```yaml\n", section) + "```yaml\n".length();
    String yaml = readme.substring(start, readme.indexOf("```", start));
    return new YamlPropertySourceLoader()
        .load("README", new ByteArrayResource(yaml.getBytes(StandardCharsets.UTF_8)));
  }

  private static SreBreaker.Settings settings(Backstop backstop, String operation) {
    return ((SreBreaker) backstop.breaker(operation)).settings();
  }
}
