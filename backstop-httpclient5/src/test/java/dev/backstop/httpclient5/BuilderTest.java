package dev.backstop.httpclient5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backstop.Backstop;
import java.io.IOException;
import java.net.SocketTimeoutException;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.ProtocolException;
import org.apache.hc.core5.http.message.BasicHttpResponse;
import org.junit.jupiter.api.Test;

/** Options, their checks and defaults, and the default key. */
class BuilderTest {

  @Test
  void theDefaultKeyIsTheOriginInLowerCaseWithTheDefaultPortFilledIn() {
    assertThat(BackstopExec.origin(new HttpHost("HTTPS", "API.Example.com", -1)))
        .isEqualTo("https://api.example.com:443");
    assertThat(BackstopExec.origin(new HttpHost("http", "api.example.com", -1)))
        .isEqualTo("http://api.example.com:80");
    assertThat(BackstopExec.origin(new HttpHost("http", "127.0.0.1", 8080)))
        .isEqualTo("http://127.0.0.1:8080");
    assertThat(BackstopExec.origin(new HttpHost("http", "::1", 8080)))
        .isEqualTo("http://[::1]:8080");
  }

  @Test
  void theOriginIsCachedPerHost() {
    HttpHost host = new HttpHost("https", "api.example.com", 443);
    String first = BackstopExec.origin(host);
    assertThat(BackstopExec.origin(new HttpHost("https", "api.example.com", 443))).isSameAs(first);
  }

  @Test
  void theDefaultFailureRule() {
    assertThat(BackstopExec.DEFAULT_FAILURE.test(new BasicHttpResponse(500), null)).isTrue();
    assertThat(BackstopExec.DEFAULT_FAILURE.test(new BasicHttpResponse(503), null)).isTrue();
    assertThat(BackstopExec.DEFAULT_FAILURE.test(new BasicHttpResponse(504), null)).isTrue();
    assertThat(BackstopExec.DEFAULT_FAILURE.test(new BasicHttpResponse(502), null)).isFalse();
    assertThat(BackstopExec.DEFAULT_FAILURE.test(new BasicHttpResponse(429), null)).isFalse();
    assertThat(BackstopExec.DEFAULT_FAILURE.test(null, new SocketTimeoutException())).isTrue();
    assertThat(BackstopExec.DEFAULT_FAILURE.test(null, new IOException())).isTrue();
    assertThat(BackstopExec.DEFAULT_FAILURE.test(null, new ProtocolException("bad"))).isTrue();
    assertThat(BackstopExec.DEFAULT_FAILURE.test(null, new IllegalStateException())).isFalse();
    assertThat(BackstopExec.DEFAULT_FAILURE).hasToString("BackstopExec.DEFAULT_FAILURE");
  }

  @Test
  void optionsRejectNull() {
    BackstopExec.Builder b = BackstopExec.builder();
    assertThatThrownBy(() -> b.backstop(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("backstop");
    assertThatThrownBy(() -> b.operation(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("operation");
    assertThatThrownBy(() -> b.failureWhen(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("failureWhen");
  }

  @Test
  void operationsHaveANonEmptyName() {
    assertThat(Operation.of("users.get").name()).isEqualTo("users.get");
    assertThat(Operation.of("users.get")).isEqualTo(Operation.of("users.get"));
    assertThat(Operation.of("users.get")).hasToString("Operation(users.get)");
    assertThatThrownBy(() -> Operation.of(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("name must not be empty, was \"\"");
    assertThatThrownBy(() -> Operation.of(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("name");
  }

  @Test
  void toStringShowsTheBackstopAndTheRule() {
    Backstop backstop = Backstop.create();
    assertThat(BackstopExec.create(backstop))
        .hasToString("BackstopExec(" + backstop + ", failureWhen BackstopExec.DEFAULT_FAILURE)");
  }
}
