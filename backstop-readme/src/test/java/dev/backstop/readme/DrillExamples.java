package dev.backstop.readme;

import dev.backstop.SreBreaker;
import dev.backstop.drill.Arrivals;
import dev.backstop.drill.Scenario;
import dev.backstop.drill.Simulation;
import dev.backstop.drill.Slot;
import dev.backstop.drill.Sweep;
import java.util.List;

/** The README's drill section: the simulation as an API. */
final class DrillExamples {

  static String simulate() {
    // README: The drill
    Simulation.Result result = Simulation.builder(Scenario.outage())
        .rps(500)
        .arrivals(Arrivals.poisson(42))
        .seed(1)
        .breaker((ticker, random) -> SreBreaker.original().ticker(ticker).random(random).build())
        .build()
        .run();
    double leak = result.metrics().leak();            // also recovery(), falseRejections(), goodput(), ...
    List<Slot> slots = result.timeline().slots();     // offered, sent, rejected, failed, probability per 100 ms

    List<Simulation.Result> sweep = Sweep.run(Arrivals.even(), 1,   // one run of every case, in table order
        (ticker, random) -> SreBreaker.builder().ticker(ticker).random(random).build());
    String table = Sweep.table(sweep);                // a Markdown table, worst run per case
    List<Simulation.Result> all = Sweep.run(List.of(Arrivals.even(), Arrivals.poisson(0)),
        List.of(1L, 2L, 3L, 4L, 5L), (ticker, random) -> SreBreaker.original().ticker(ticker).random(random).build());
    return leak + " " + slots.size() + " " + all.size() + "\n" + table;
  }

  private DrillExamples() {}
}
