package dev.backstop.reactor;

import dev.backstop.Backstop;
import dev.backstop.CircuitBreaker;
import dev.backstop.NotAllowedException;
import dev.backstop.Outcome;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.reactivestreams.Publisher;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;

/**
 * A Reactor operator that asks a circuit breaker before each subscription to a {@link Mono} or
 * {@link Flux} and tells it how the subscription ended. Apply it with {@code transformDeferred}:
 *
 * <pre>{@code
 * Mono<User> user = fetchUser(id)                      // a cold Mono that calls the backend
 *     .transformDeferred(BackstopOperator.of(backstop, "users.get"));
 * }</pre>
 *
 * <p><b>Decision.</b> Each subscription asks the breaker of the operation once, when it is made.
 * Resubscribing ({@code retry}, {@code retryWhen}, {@code repeat}) asks again. If the breaker
 * rejects, the source is never subscribed to: the subscriber receives {@code onSubscribe} and then
 * {@code onError} with the breaker's {@link NotAllowedException}, and the rejection is recorded
 * with {@link CircuitBreaker#markRejected()}.
 *
 * <p><b>Outcome.</b> A subscription the breaker allowed records exactly one outcome, whichever
 * signal comes first:
 *
 * <ul>
 *   <li>a {@code Mono}'s value, or completion without one: a success;
 *   <li>a {@code Flux}'s completion: a success;
 *   <li>an error: classified by {@link Outcome#of(Throwable, Predicate)}: ignored if it is, or was
 *       caused by, a {@link NotAllowedException} of another guard, an interrupt or a cancellation;
 *       else a failure if {@link Builder#failureWhen failureWhen} holds (by default it holds for
 *       every error), else a success;
 *   <li>a cancel before any value: ignored, since the consumer gave up before the backend
 *       answered ({@code timeout} downstream of this operator cancels it: put the timeout upstream
 *       for a slow backend to count as a failure);
 *   <li>a cancel of a {@code Flux} after it delivered a value ({@code take(n)}, {@code next()}):
 *       a success, since the backend was answering.
 * </ul>
 *
 * <p>The operator is immutable and thread-safe: keep one per operation and element type and apply
 * it to every call.
 *
 * @param <T> the type of the elements
 */
public final class BackstopOperator<T> implements UnaryOperator<Publisher<T>> {

  /*
   * How it works. apply() wraps the source in a GuardedMono or GuardedFlux (with transformDeferred
   * that happens once per subscription; with transform, once per assembly, which is as good since
   * the decision is made in subscribe()). subscribe() looks up the breaker and asks it; a rejection
   * ends there. An allowed subscription subscribes the source with one GuardedSubscriber, which is
   * also the Subscription the downstream sees, so a subscription allocates the wrapper and that
   * subscriber, nothing else. The subscriber records the outcome once: its state goes from
   * PENDING (or ANSWERED, a Flux that delivered a value) to DONE by a CAS, and only the signal
   * that wins it marks the breaker.
   */

  private static final Predicate<Throwable> EVERY_ERROR =
      new Predicate<>() {
        @Override
        public boolean test(Throwable t) {
          return true;
        }

        @Override
        public String toString() {
          return "every error";
        }
      };

  private final Backstop backstop;
  private final String operation;
  private final Predicate<? super Throwable> failureWhen;

  private BackstopOperator(
      Backstop backstop, String operation, Predicate<? super Throwable> failureWhen) {
    this.backstop = backstop;
    this.operation = operation;
    this.failureWhen = failureWhen;
  }

  /**
   * Returns an operator that guards subscriptions with the breaker of {@code operation} in {@code
   * backstop}, counting every error as a failure (except those that are always ignored).
   *
   * @throws IllegalArgumentException if {@code operation} is empty
   */
  public static <T> BackstopOperator<T> of(Backstop backstop, String operation) {
    return builder(backstop, operation).build();
  }

  /**
   * Returns a builder of operators that guard subscriptions with the breaker of {@code operation}
   * in {@code backstop}.
   *
   * @throws IllegalArgumentException if {@code operation} is empty
   */
  public static Builder builder(Backstop backstop, String operation) {
    return new Builder(backstop, operation);
  }

  /**
   * Returns {@code source} guarded: a {@link Mono} for a {@code Mono}, a {@link Flux} for anything
   * else.
   */
  @Override
  public Publisher<T> apply(Publisher<T> source) {
    Objects.requireNonNull(source, "source");
    if (source instanceof Mono<T> mono) {
      return new GuardedMono<>(mono, this);
    }
    return new GuardedFlux<>(Flux.from(source), this);
  }

  /**
   * Asks the breaker for a new subscription. Returns the breaker if it allowed it; otherwise
   * records the rejection and returns {@code null}, having sent the rejection to {@code
   * subscriber}.
   */
  CircuitBreaker allow(CoreSubscriber<?> subscriber) {
    CircuitBreaker breaker = backstop.breaker(operation);
    try {
      breaker.allow();
    } catch (NotAllowedException rejected) {
      breaker.markRejected();
      Operators.error(subscriber, rejected);
      return null;
    }
    return breaker;
  }

  Predicate<? super Throwable> failureWhen() {
    return failureWhen;
  }

  @Override
  public String toString() {
    return "BackstopOperator(" + operation + ", failureWhen " + failureWhen + ")";
  }

  /**
   * Configures a {@link BackstopOperator}. Each option is checked when it is set and {@link
   * #build()} does not change the builder. Not thread-safe.
   */
  public static final class Builder {
    private final Backstop backstop;
    private final String operation;
    private Predicate<? super Throwable> failureWhen = EVERY_ERROR;

    private Builder(Backstop backstop, String operation) {
      this.backstop = Objects.requireNonNull(backstop, "backstop");
      Objects.requireNonNull(operation, "operation");
      if (operation.isEmpty()) {
        throw new IllegalArgumentException("operation must not be empty, was \"\"");
      }
      this.operation = operation;
    }

    /**
     * Which errors count as failures of the backend; the others count as successes, except those
     * that are always ignored (see {@link BackstopOperator}). By default every error does. If the
     * predicate throws, the subscription counts as a failure and the error still reaches the
     * subscriber unchanged. With an HTTP client, an error that stands for an answer of the backend
     * (a 404 turned into an exception) should not count:
     *
     * <pre>{@code
     * .failureWhen(e -> !(e instanceof NotFoundException))
     * }</pre>
     */
    public Builder failureWhen(Predicate<? super Throwable> failureWhen) {
      this.failureWhen = Objects.requireNonNull(failureWhen, "failureWhen");
      return this;
    }

    /** Builds the operator. */
    public <T> BackstopOperator<T> build() {
      return new BackstopOperator<>(backstop, operation, failureWhen);
    }
  }
}
