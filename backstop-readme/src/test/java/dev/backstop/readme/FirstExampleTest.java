package dev.backstop.readme;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backstop.Backstop;
import dev.backstop.NotAllowedException;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** The README's first example, in a class that declares only what it needs, and what it does. */
class FirstExampleTest {

  record User(String id) {}

  /** A client whose calls throw a checked exception, as most do. */
  interface Users {
    User get(String id) throws IOException;
  }

  static final class UserService {
    private final Users users;

    UserService(Users users) {
      this.users = users;
    }

    User fallback(String id) {
      return new User("fallback " + id);
    }

    // README: the first example
    private final Backstop backstop = Backstop.create();   // one breaker per operation, made on first use

    User user(String id) throws IOException {              // call throws what users.get throws, no more
      try {
        return backstop.call("users.get", () -> users.get(id));
      } catch (NotAllowedException e) {                    // rejected locally: code 503, reason CIRCUITBREAKER
        return fallback(id);
      }
    }
  }

  @Test
  void aHealthyBackendAnswers() throws IOException {
    assertThat(new UserService(User::new).user("42")).isEqualTo(new User("42"));
  }

  @Test
  void aDeadBackendsErrorsReachTheCallerUntilTheBreakerShedsAndTheFallbackAnswers() {
    UserService service =
        new UserService(
            id -> {
              throw new IOException("connection refused");
            });
    int failed = 0;
    User answer = null;
    for (int i = 0; i < 1_000 && answer == null; i++) {
      try {
        answer = service.user("42");
      } catch (IOException e) {
        assertThat(e).hasMessage("connection refused");
        failed++;
      }
    }
    assertThat(failed).isPositive(); // the breaker needs failures before it rejects anything
    assertThat(answer).isEqualTo(new User("fallback 42"));
  }
}
