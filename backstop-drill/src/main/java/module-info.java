/**
 * The Backstop drill: watch a breaker protect a failing backend, simulated in a second or live
 * over loopback. Its API ({@link dev.backstop.drill.Simulation} and the values it returns) lets
 * tests and tools run the same what-if experiments as the {@code ./drill} command line.
 */
module dev.backstop.drill {
  requires transitive dev.backstop;
  requires dev.backstop.grpc;
  requires dev.backstop.http;
  requires info.picocli;
  requires org.knowm.xchart;
  requires java.desktop;
  requires java.net.http;
  requires jdk.httpserver;
  requires io.grpc;
  requires io.grpc.stub;
  requires io.grpc.netty.shaded;
  requires org.eclipse.jetty.server;
  requires org.eclipse.jetty.util;

  exports dev.backstop.drill;

  opens dev.backstop.drill to info.picocli;
}
