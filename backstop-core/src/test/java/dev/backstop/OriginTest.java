package dev.backstop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OriginTest {

  @ParameterizedTest(name = "{0} {1} {2} -> {3}")
  @CsvSource({
    "http, example.com, -1, http://example.com:80",
    "HTTPS, Example.COM, -1, https://example.com:443",
    "https, example.com, 80, https://example.com:80",
    "http, 127.0.0.1, 1, http://127.0.0.1:1",
    "http, ::1, 8080, http://[::1]:8080",
    "https, [::1], 8443, https://[::1]:8443",
    "'', '', -1, ://:80",
  })
  void theKeyIsTheOriginInLowerCaseWithItsPort(String scheme, String host, int port, String key) {
    assertThat(Origin.key(scheme, host, port)).isEqualTo(key);
  }

  @Test
  void aRecentOriginsKeyIsReusedAndOriginsAreNeverMixedUp() {
    String first = Origin.key("http", "reused.example.com", 8080);
    assertThat(Origin.key("http", "reused.example.com", 8080)).isSameAs(first);
    assertThat(Origin.key("https", "reused.example.com", 8080))
        .isEqualTo("https://reused.example.com:8080");
    assertThat(Origin.key("http", "reused.example.com", 8081))
        .isEqualTo("http://reused.example.com:8081");
    assertThat(Origin.key("http", "reused.example.org", 8080))
        .isEqualTo("http://reused.example.org:8080");
    assertThat(Origin.key("HTTP", "Reused.Example.com", -1))
        .isEqualTo("http://reused.example.com:80");
  }

  @Test
  void nullPartsAreRefusedByName() {
    assertThatThrownBy(() -> Origin.key(null, "h", 1))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("scheme");
    assertThatThrownBy(() -> Origin.key("http", null, 1))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("host");
  }

  @Test
  void threadsKeyingManyOriginsAtOnceEachGetTheRightKey() throws Exception {
    int threads = 8;
    int origins = 500; // far more than the slots: origins keep replacing each other
    CountDownLatch start = new CountDownLatch(1);
    List<CompletableFuture<Integer>> done = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int id = t;
      done.add(
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  start.await();
                } catch (InterruptedException e) {
                  throw new IllegalStateException(e);
                }
                int wrong = 0;
                for (int i = 0; i < 50_000; i++) {
                  int n = (i * 7 + id) % origins;
                  String scheme = n % 2 == 0 ? "http" : "https";
                  String host = "h" + (n % 10) + ".example.com";
                  int port = 8000 + n / 10;
                  if (!Origin.key(scheme, host, port)
                      .equals(scheme + "://" + host + ":" + port)) {
                    wrong++;
                  }
                }
                return wrong;
              },
              runnable -> new Thread(runnable).start()));
    }
    start.countDown();
    for (CompletableFuture<Integer> d : done) {
      assertThat(d.get(30, TimeUnit.SECONDS)).isZero();
    }
  }
}
