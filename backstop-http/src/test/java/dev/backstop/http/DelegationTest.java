package dev.backstop.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.Authenticator;
import java.net.CookieManager;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every method of HttpClient reaches the wrapped client, on the Java version running the test. */
class DelegationTest {

  private static final int JAVA = Runtime.version().feature();

  private TestServer server;

  @BeforeEach
  void startServer() throws IOException {
    server = TestServer.start();
  }

  @AfterEach
  void stopServer() {
    server.close();
  }

  @Test
  void declaresEveryInstanceMethodOfHttpClientOfTheRunningJava() {
    List<String> missing = new ArrayList<>();
    for (Method m : HttpClient.class.getMethods()) {
      if (m.getDeclaringClass() != HttpClient.class || Modifier.isStatic(m.getModifiers())) {
        continue;
      }
      try {
        Method own = BackstopHttpClient.class.getDeclaredMethod(m.getName(), m.getParameterTypes());
        assertThat(Modifier.isPublic(own.getModifiers())).as(own.toString()).isTrue();
        assertThat(own.getReturnType()).as(own.toString()).isEqualTo(m.getReturnType());
      } catch (NoSuchMethodException e) {
        missing.add(m.toString());
      }
    }
    assertThat(missing).isEmpty();
  }

  @Test
  void theConfigurationGettersReturnTheWrappedClientsSettings() throws Exception {
    ExecutorService executor = Executors.newSingleThreadExecutor();
    try {
      CookieManager cookies = new CookieManager();
      ProxySelector proxy = ProxySelector.of(InetSocketAddress.createUnresolved("127.0.0.1", 9));
      Authenticator authenticator = new Authenticator() {};
      SSLContext ssl = SSLContext.getDefault();
      SSLParameters parameters = new SSLParameters(new String[0], new String[] {"TLSv1.3"});
      HttpClient jdk =
          HttpClient.newBuilder()
              .cookieHandler(cookies)
              .connectTimeout(Duration.ofSeconds(7))
              .followRedirects(HttpClient.Redirect.ALWAYS)
              .proxy(proxy)
              .authenticator(authenticator)
              .version(HttpClient.Version.HTTP_1_1)
              .executor(executor)
              .sslContext(ssl)
              .sslParameters(parameters)
              .build();
      BackstopHttpClient client = BackstopHttpClient.wrap(jdk);

      assertThat(client.cookieHandler()).containsSame(cookies);
      assertThat(client.connectTimeout()).contains(Duration.ofSeconds(7));
      assertThat(client.followRedirects()).isEqualTo(HttpClient.Redirect.ALWAYS);
      assertThat(client.proxy()).containsSame(proxy);
      assertThat(client.authenticator()).containsSame(authenticator);
      assertThat(client.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
      assertThat(client.executor()).containsSame(executor);
      assertThat(client.sslContext()).isSameAs(ssl);
      assertThat(client.sslParameters().getProtocols()).containsExactly("TLSv1.3");
      assertThat(client.newWebSocketBuilder()).hasSameClassAs(jdk.newWebSocketBuilder());
      assertThat(client.toString()).startsWith("BackstopHttpClient(" + jdk + ", Backstop(");
      client.close();
    } finally {
      executor.shutdownNow();
    }
  }

  @Test
  void theDefaultsOfAPlainClientShowThroughToo() {
    HttpClient jdk = HttpClient.newHttpClient();
    BackstopHttpClient client = BackstopHttpClient.wrap(jdk);
    assertThat(client.cookieHandler()).isEqualTo(Optional.empty());
    assertThat(client.connectTimeout()).isEqualTo(Optional.empty());
    assertThat(client.followRedirects()).isEqualTo(jdk.followRedirects());
    assertThat(client.version()).isEqualTo(jdk.version());
    client.close();
  }

  @Test
  void onJava21AndLaterCloseClosesTheWrappedClient() throws Exception {
    HttpClient jdk = HttpClient.newHttpClient();
    BackstopHttpClient client = BackstopHttpClient.wrap(jdk);
    assertThat(AutoCloseable.class.isAssignableFrom(BackstopHttpClient.class))
        .isEqualTo(JAVA >= 21);
    assertThat(Lifecycle.supported()).isEqualTo(JAVA >= 21);
    assertThat(client.isTerminated()).isFalse();

    if (JAVA >= 21) {
      ((AutoCloseable) (Object) client).close(); // dispatches to the override of HttpClient.close()
      assertThat(client.isTerminated()).isTrue();
      assertThatThrownBy(() -> jdk.send(request(), BodyHandlers.discarding()))
          .isInstanceOf(IOException.class);
    } else {
      client.close();
      assertThat(client.isTerminated()).isFalse();
      assertThat(jdk.send(request(), BodyHandlers.discarding()).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void onJava21AndLaterShutdownAndAwaitTerminationReachTheWrappedClient() throws Exception {
    HttpClient jdk = HttpClient.newHttpClient();
    BackstopHttpClient client = BackstopHttpClient.wrap(jdk);

    client.shutdown();
    assertThat(client.awaitTermination(Duration.ofSeconds(10))).isTrue();

    assertThat(client.isTerminated()).isEqualTo(JAVA >= 21);
    if (JAVA >= 21) {
      assertThatThrownBy(() -> jdk.send(request(), BodyHandlers.discarding()))
          .isInstanceOf(IOException.class);
    } else {
      assertThat(jdk.send(request(), BodyHandlers.discarding()).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void onJava21AndLaterShutdownNowReachesTheWrappedClient() throws Exception {
    HttpClient jdk = HttpClient.newHttpClient();
    BackstopHttpClient client = BackstopHttpClient.wrap(jdk);

    client.shutdownNow();
    assertThat(client.awaitTermination(Duration.ofSeconds(10))).isTrue();

    assertThat(client.isTerminated()).isEqualTo(JAVA >= 21);
    if (JAVA >= 21) {
      assertThatThrownBy(() -> client.send(request(), BodyHandlers.discarding()))
          .isInstanceOf(IOException.class);
    } else {
      assertThat(client.send(request(), BodyHandlers.discarding()).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void awaitTerminationRejectsNull() {
    BackstopHttpClient client = BackstopHttpClient.wrap(HttpClient.newHttpClient());
    assertThatThrownBy(() -> client.awaitTermination(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("duration");
    client.close();
  }

  private HttpRequest request() {
    return HttpRequest.newBuilder(server.uri("/")).build();
  }
}
