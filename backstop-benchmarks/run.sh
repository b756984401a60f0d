#!/usr/bin/env bash
# Runs Backstop's JMH suite, the integrations' allocation census and the memory measurement, and
# writes the Markdown report.
#
# Usage, from anywhere:
#   backstop-benchmarks/run.sh [REPORT.md]
#
#   REPORT.md  where to write the report; backstop-benchmarks/target/results.md by default.
#              Pass backstop-benchmarks/RESULTS.md to replace the committed results.
#
# Environment:
#   NOTE       text added to the report's header, e.g. "machine shared with other builds"
#   JMH_OPTS   JMH options replacing the defaults below (forks, warmup, measurement)
#
# Builds backstop-benchmarks/target/benchmarks.jar if it is missing (delete it, or run
# `mvn -B -ntp -pl backstop-benchmarks -am package -DskipTests`, to rebuild after a change).
# Then, keeping every result in backstop-benchmarks/target/:
#   1. JMH, with -prof gc (B/op) and -prof dev.backstop.benchmarks.CpuTimeProfiler (CPU ns/op, for
#      loaded machines): the suite (the baselines, Backstop, the alternatives; not
#      HealthyPathParts) with 1 and with 2 threads sharing each instance, and the integrations'
#      loopback calls (Integrations, plain and guarded) with 1 thread: jmh-1t.json, jmh-2t.json.
#   2. IntegrationAllocations: the objects per call each integration allocates, counted exactly
#      (class histograms and JFR, thread-local allocation buffers off): allocations.json.
#   3. OperationMemory: the heap held per idle operation by a Backstop of 100 000 operations:
#      memory.json.
#   4. ClockCost: the shared clock thread's ticks and CPU time over 10 s of use: clock.json.
# With the default 1 fork, 3 x 1 s warmup and 5 x 1 s measurement, 13 + 6 benchmarks at 1 thread
# and 13 at 2 take about 6 minutes on 2 cores, steps 2 to 4 about one more.
set -euo pipefail

module="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$module")"
jar="$module/target/benchmarks.jar"
out="${1:-$module/target/results.md}"
opts="${JMH_OPTS:--f 1 -wi 3 -w 1s -i 5 -r 1s}"
suite='dev\.backstop\.benchmarks\.(Baselines|BackstopBenchmarks|Alternatives)|io\.grpc\.rls\.GrpcAdaptiveThrottler'
integrations='dev\.backstop\.benchmarks\.Integrations'

if [[ ! -f "$jar" ]]; then
  (cd "$root" && mvn -B -ntp -q -pl backstop-benchmarks -am package -DskipTests)
fi

load_before="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
for threads in 1 2; do
  include="^($suite)\."
  if [[ "$threads" == 1 ]]; then
    include="^($suite|$integrations)\."
  fi
  # shellcheck disable=SC2086 # $opts is a list of options
  java -jar "$jar" "$include" $opts -t "$threads" -prof gc \
    -prof dev.backstop.benchmarks.CpuTimeProfiler \
    -rf json -rff "$module/target/jmh-${threads}t.json"
done
# No collection may run while a path's calls are counted, and every allocation must be an event.
java -XX:-UseTLAB -Xms3g -Xmx3g -Xmn2g -cp "$jar" dev.backstop.benchmarks.IntegrationAllocations \
  --out "$module/target/allocations.json"
java -cp "$jar" dev.backstop.benchmarks.OperationMemory --out "$module/target/memory.json"
java -cp "$jar" dev.backstop.ClockCost --out "$module/target/clock.json"
load_after="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"

note="load average (1, 5, 15 min) before the run: $load_before; after: $load_after"
if [[ -n "${NOTE:-}" ]]; then
  note="${NOTE}; $note"
fi
java -cp "$jar" dev.backstop.benchmarks.Report --out "$out" --note "$note" \
  --allocations "$module/target/allocations.json" --memory "$module/target/memory.json" \
  --clock "$module/target/clock.json" \
  "$module/target/jmh-1t.json" "$module/target/jmh-2t.json"
