package dev.backstop.benchmarks;

import com.sun.net.httpserver.HttpServer;
import dev.backstop.Backstop;
import dev.backstop.grpc.BackstopClientInterceptor;
import dev.backstop.http.BackstopHttpClient;
import dev.backstop.okhttp.BackstopInterceptor;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What each integration adds to a real call on loopback: every client is measured plain and guarded
 * by Backstop (with its defaults, on a healthy backend) in the same run, so that the report can
 * give the difference. The plain and guarded clients share one server, and for HTTP one connection
 * pool.
 *
 * <ul>
 *   <li>gRPC: a unary call over the in-process transport, client and server on direct executors, so
 *       the whole call runs on the benchmark thread; guarded by {@link BackstopClientInterceptor}.
 *   <li>JDK {@link HttpClient}: an HTTP/1.1 GET to a JDK {@link HttpServer} on the loopback
 *       interface; guarded by {@link BackstopHttpClient}.
 *   <li>OkHttp: the same request to the same kind of server; guarded by {@link BackstopInterceptor}
 *       as an application interceptor.
 * </ul>
 *
 * <p>Every state is also a {@link Loopback}, which {@link IntegrationAllocations} uses to count
 * what each call allocates, class by class.
 *
 * <p>Thread-safe: the clients and servers are.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class Integrations {

  /** The clients, as the report names them. */
  static final String GRPC = "gRPC in-process unary";

  static final String JDK_HTTP = "JDK HttpClient GET, HTTP/1.1 loopback";
  static final String OKHTTP = "OkHttp GET, HTTP/1.1 loopback";

  /** A client and its server on loopback, callable plain and guarded by Backstop. */
  interface Loopback {

    /** What the report calls it, e.g. {@code gRPC in-process unary}. */
    String client();

    /** Starts the server and the clients. */
    void start() throws IOException;

    /** One call by the plain client; returns what the server answered. */
    Object plain() throws Exception;

    /** The same call by the client guarded by Backstop. */
    Object guarded() throws Exception;

    /** Stops the clients and the server. */
    void stop();
  }

  /** A unary gRPC call over the in-process transport, plain and through the interceptor. */
  @State(Scope.Benchmark)
  public static class Grpc implements Loopback {
    static final byte[] PAYLOAD = "ping".getBytes(StandardCharsets.US_ASCII);
    static final MethodDescriptor<byte[], byte[]> ECHO =
        MethodDescriptor.<byte[], byte[]>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName("bench.Echo/Echo")
            .setRequestMarshaller(Bytes.INSTANCE)
            .setResponseMarshaller(Bytes.INSTANCE)
            .build();

    final Backstop backstop = Backstop.create();
    private Server server;
    private ManagedChannel channel;
    private Channel guarded;

    @Override
    public String client() {
      return GRPC;
    }

    @Override
    @Setup(Level.Trial)
    public void start() throws IOException {
      String name = InProcessServerBuilder.generateName();
      server =
          InProcessServerBuilder.forName(name)
              .directExecutor()
              .addService(
                  ServerServiceDefinition.builder("bench.Echo")
                      .addMethod(
                          ECHO,
                          ServerCalls.asyncUnaryCall(
                              (request, response) -> {
                                response.onNext(request);
                                response.onCompleted();
                              }))
                      .build())
              .build()
              .start();
      channel = InProcessChannelBuilder.forName(name).directExecutor().build();
      guarded = ClientInterceptors.intercept(channel, BackstopClientInterceptor.create(backstop));
    }

    @Override
    public byte[] plain() {
      return ClientCalls.blockingUnaryCall(channel, ECHO, CallOptions.DEFAULT, PAYLOAD);
    }

    @Override
    public byte[] guarded() {
      return ClientCalls.blockingUnaryCall(guarded, ECHO, CallOptions.DEFAULT, PAYLOAD);
    }

    @Override
    @TearDown(Level.Trial)
    public void stop() {
      channel.shutdownNow();
      server.shutdownNow();
    }

    /** Messages are the bytes themselves: no protobuf, so only gRPC's own costs are measured. */
    private enum Bytes implements MethodDescriptor.Marshaller<byte[]> {
      INSTANCE;

      @Override
      public InputStream stream(byte[] value) {
        return new ByteArrayInputStream(value);
      }

      @Override
      public byte[] parse(InputStream stream) {
        try {
          return stream.readAllBytes();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }
  }

  /** A JDK HttpServer on the loopback interface that answers every request with 200 "ok". */
  static final class OkServer {
    private static final byte[] OK = "ok".getBytes(StandardCharsets.US_ASCII);

    private final HttpServer server;
    private final ExecutorService executor;

    OkServer() throws IOException {
      // Read once, when the first server is created: without it each small response waits for
      // Nagle's algorithm and the delayed ACK of the client's previous packet.
      System.setProperty("sun.net.httpserver.nodelay", "true");
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      executor =
          Executors.newFixedThreadPool(
              2,
              task -> {
                Thread t = new Thread(task, "loopback-http");
                t.setDaemon(true);
                return t;
              });
      server.setExecutor(executor);
      server.createContext(
          "/",
          exchange -> {
            try {
              exchange.getRequestBody().readAllBytes();
              exchange.sendResponseHeaders(200, OK.length);
              try (OutputStream body = exchange.getResponseBody()) {
                body.write(OK);
              }
            } finally {
              exchange.close();
            }
          });
      server.start();
    }

    URI uri() {
      return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    void stop() {
      server.stop(0);
      executor.shutdownNow();
    }
  }

  /** A GET by the JDK HttpClient, plain and wrapped in BackstopHttpClient. */
  @State(Scope.Benchmark)
  public static class JdkHttp implements Loopback {
    final Backstop backstop = Backstop.create();
    private OkServer server;
    private HttpClient plain;
    private HttpClient guarded;
    private HttpRequest request;

    @Override
    public String client() {
      return JDK_HTTP;
    }

    @Override
    @Setup(Level.Trial)
    public void start() throws IOException {
      server = new OkServer();
      plain = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      guarded = BackstopHttpClient.builder(plain).backstop(backstop).build();
      request = HttpRequest.newBuilder(server.uri()).build();
    }

    @Override
    public String plain() throws IOException, InterruptedException {
      return plain.send(request, BodyHandlers.ofString()).body();
    }

    @Override
    public String guarded() throws IOException, InterruptedException {
      return guarded.send(request, BodyHandlers.ofString()).body();
    }

    @Override
    @TearDown(Level.Trial)
    public void stop() {
      server.stop();
    }
  }

  /** A GET by OkHttp, plain and with BackstopInterceptor; both clients share one pool. */
  @State(Scope.Benchmark)
  public static class OkHttp implements Loopback {
    final Backstop backstop = Backstop.create();
    private OkServer server;
    private OkHttpClient plain;
    private OkHttpClient guarded;
    private Request request;

    @Override
    public String client() {
      return OKHTTP;
    }

    @Override
    @Setup(Level.Trial)
    public void start() throws IOException {
      server = new OkServer();
      plain = new OkHttpClient();
      guarded = plain.newBuilder().addInterceptor(BackstopInterceptor.create(backstop)).build();
      request = new Request.Builder().url(server.uri().toString()).build();
    }

    @Override
    public String plain() throws IOException {
      return call(plain);
    }

    @Override
    public String guarded() throws IOException {
      return call(guarded);
    }

    private String call(OkHttpClient client) throws IOException {
      try (Response response = client.newCall(request).execute()) {
        return response.body().string();
      }
    }

    @Override
    @TearDown(Level.Trial)
    public void stop() {
      plain.dispatcher().executorService().shutdown();
      plain.connectionPool().evictAll();
      server.stop();
    }
  }

  /** A unary call over the in-process transport. */
  @Benchmark
  public byte[] grpcPlain(Grpc s) {
    return s.plain();
  }

  /** The same call through {@link BackstopClientInterceptor}. */
  @Benchmark
  public byte[] grpcGuarded(Grpc s) {
    return s.guarded();
  }

  /** A GET to a loopback server by the JDK HttpClient. */
  @Benchmark
  public String httpClientPlain(JdkHttp s) throws Exception {
    return s.plain();
  }

  /** The same GET through {@link BackstopHttpClient}. */
  @Benchmark
  public String httpClientGuarded(JdkHttp s) throws Exception {
    return s.guarded();
  }

  /** A GET to a loopback server by OkHttp. */
  @Benchmark
  public String okHttpPlain(OkHttp s) throws Exception {
    return s.plain();
  }

  /** The same GET through {@link BackstopInterceptor}. */
  @Benchmark
  public String okHttpGuarded(OkHttp s) throws Exception {
    return s.guarded();
  }
}
