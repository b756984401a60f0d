package dev.backstop;

/**
 * Run in a JVM of its own by {@link SharedClockPropertyTest}: calls a default breaker until its
 * clock thread runs, or a million times, then prints whether the JVM has a shared clock and
 * whether its thread runs, as {@code clock=true thread=true}.
 */
final class ClockThreadProbe {

  private ClockThreadProbe() {}

  public static void main(String[] args) {
    SreBreaker breaker = SreBreaker.create();
    long deadline = System.nanoTime() + 10_000_000_000L;
    long calls = 0;
    while (!clockThreadRuns() && (calls < 1_000_000 || SharedClock.system() != null)
        && System.nanoTime() - deadline < 0) {
      for (int i = 0; i < 10_000; i++) {
        breaker.allow();
        breaker.markSuccess();
      }
      calls += 10_000;
    }
    System.out.println(
        "clock=" + (SharedClock.system() != null) + " thread=" + clockThreadRuns());
  }

  private static boolean clockThreadRuns() {
    return Thread.getAllStackTraces().keySet().stream()
        .anyMatch(t -> t.getName().equals("backstop-clock") && t.isAlive());
  }
}
