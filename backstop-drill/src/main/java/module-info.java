/**
 * The Backstop drill: watch a breaker protect a failing backend, simulated in a second or live
 * over loopback. Its API ({@link dev.backstop.drill.Simulation} and the values it returns) lets
 * tests and tools run the same what-if experiments as the {@code ./drill} command line.
 */
module dev.backstop.drill {
  requires dev.backstop;
  requires info.picocli;
  requires org.knowm.xchart;
  requires java.desktop;

  exports dev.backstop.drill;

  opens dev.backstop.drill to info.picocli;
}
