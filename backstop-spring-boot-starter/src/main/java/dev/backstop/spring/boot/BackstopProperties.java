package dev.backstop.spring.boot;

import dev.backstop.Backstop;
import dev.backstop.SreBreaker;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The settings of the auto-configured {@link Backstop}, bound from {@code backstop.*}.
 *
 * <p>Every breaker option is named after the {@link SreBreaker.Builder} option it sets. An option
 * left unset is not passed to the builder, so it keeps the builder's default ({@link
 * SreBreaker#builder()}, or {@link SreBreaker#original()} when {@code original} is true); the
 * same holds for the group's {@code maximum-size} and {@code expire-after-access} and {@link
 * Backstop#builder()}. Each option of an operation under {@code backstop.operations.<name>} is
 * that operation's value if set, else the value under {@code backstop} if set, else the default.
 *
 * <p>Values are checked when they are bound, by the builders themselves: a bad value fails the
 * application's startup with the builder's message naming the property, such as {@code
 * backstop.operations[users].success must be in [0.01, 1], was 1.5}.
 *
 * <p>The breaker options and the group's bounds are {@code null} when unset. Instances are
 * immutable and thread-safe.
 *
 * @param enabled Whether to auto-configure Backstop at all. When false, nothing of Backstop is
 *     configured.
 * @param success Share of requests the backend must accept for a breaker to stay closed, in
 *     [0.01, 1]; K = 1 / success.
 * @param request Minimum number of requests (sent or rejected) in a breaker's window before the
 *     whole window is judged.
 * @param window Length of a breaker's rolling window.
 * @param bucket Number of buckets a breaker's window is divided into.
 * @param recent Fewest failures in a row, with no accept among them, judged on their own once
 *     the run is also too long to be chance; 0 judges the whole window only.
 * @param probe While rejecting a backend that seems dead, at least one request per interval goes
 *     through; 0 turns probing off.
 * @param forgive Whether a run of successes after a dead spell is followed up at once and, once
 *     too long to be chance, forgives every local rejection made so far.
 * @param original Whether breakers start from the original SRE design (SreBreaker.original())
 *     instead of the default builder; the options that are set apply on top.
 * @param maximumSize Most operations whose breakers are held at once; the least recently used are
 *     dropped beyond it.
 * @param expireAfterAccess How long an operation's breaker may go unused before it is dropped.
 * @param operations Breaker options per operation, by operation name. A name with characters
 *     other than letters, digits and dashes goes in brackets, as in
 *     backstop.operations[users.Users/Get].success.
 * @param restClient Guarding of the RestClients built from Boot's RestClient.Builder, HTTP
 *     service groups included.
 * @param restTemplate Guarding of the RestTemplates built from Boot's RestTemplateBuilder.
 * @param webClient Guarding of the WebClients built from Boot's WebClient.Builder, WebClient-backed
 *     HTTP service groups included.
 * @param grpc Guarding of the gRPC channels Spring gRPC builds, by a global client interceptor.
 * @param metrics Micrometer meters of the Backstop, when a MeterRegistry is present.
 * @param health The health contributor "backstop".
 */
@ConfigurationProperties("backstop")
public record BackstopProperties(
    @DefaultValue("true") boolean enabled,
    Double success,
    Long request,
    Duration window,
    Integer bucket,
    Integer recent,
    Duration probe,
    Boolean forgive,
    Boolean original,
    Long maximumSize,
    Duration expireAfterAccess,
    Map<String, Breaker> operations,
    @DefaultValue Part restClient,
    @DefaultValue Part restTemplate,
    @DefaultValue Part webClient,
    @DefaultValue Part grpc,
    @DefaultValue Part metrics,
    @DefaultValue Health health) {

  /** Checks every value with the builders and copies {@code operations}. */
  public BackstopProperties {
    operations =
        operations == null
            ? Map.of()
            : Collections.unmodifiableMap(new LinkedHashMap<>(operations));
    Breakers.check(
        new Breaker(success, request, window, bucket, recent, probe, forgive, original),
        operations,
        maximumSize,
        expireAfterAccess);
  }

  /** Returns the breaker options set under {@code backstop} itself: the defaults of operations. */
  Breaker defaults() {
    return new Breaker(success, request, window, bucket, recent, probe, forgive, original);
  }

  /**
   * The options of one operation's breaker; each one left unset ({@code null}) falls back to the
   * value under {@code backstop}, then to the builder's default.
   *
   * @param success Share of requests the backend must accept, in [0.01, 1].
   * @param request Minimum number of requests in the window before the whole window is judged.
   * @param window Length of the rolling window.
   * @param bucket Number of buckets in the window.
   * @param recent Fewest failures in a row judged on their own; 0 for none.
   * @param probe While rejecting a backend that seems dead, one request per interval goes
   *     through; 0 for none.
   * @param forgive Whether a run of successes after a dead spell forgives local rejections.
   * @param original Whether the breaker starts from the original SRE design.
   */
  public record Breaker(
      Double success,
      Long request,
      Duration window,
      Integer bucket,
      Integer recent,
      Duration probe,
      Boolean forgive,
      Boolean original) {}

  /**
   * A part of the auto-configuration that can be turned off.
   *
   * @param enabled Whether this part is configured.
   */
  public record Part(@DefaultValue("true") boolean enabled) {}

  /**
   * The health contributor {@code backstop}: off unless enabled. It reports every operation whose
   * breaker is rejecting; the application's status changes only if {@code rejecting-status} says
   * so.
   *
   * @param enabled Whether to contribute "backstop" to the health endpoint.
   * @param rejectingStatus Status reported while at least one breaker is open, such as UP,
   *     OUT_OF_SERVICE or DOWN.
   */
  public record Health(
      @DefaultValue("false") boolean enabled, @DefaultValue("UP") String rejectingStatus) {

    /** Checks the status. */
    public Health {
      if (rejectingStatus == null || rejectingStatus.isBlank()) {
        throw new IllegalArgumentException(
            "backstop.health.rejecting-status must not be blank, was \"" + rejectingStatus + "\"");
      }
    }
  }
}
