#!/usr/bin/env bash
# Runs Backstop's JMH suite and writes the Markdown report.
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
# Runs every benchmark of the suite (the baselines, Backstop, the alternatives; not
# HealthyPathParts) twice, with 1 and with 2 threads sharing each instance, with -prof gc (B/op)
# and -prof dev.backstop.benchmarks.CpuTimeProfiler (CPU ns/op, for loaded machines), and
# keeps JMH's JSON in backstop-benchmarks/target/jmh-1t.json and jmh-2t.json. With the default
# 1 fork, 3 x 1 s warmup and 5 x 1 s measurement, 13 benchmarks x 2 thread counts take about
# 5 minutes on 2 cores.
set -euo pipefail

module="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$module")"
jar="$module/target/benchmarks.jar"
out="${1:-$module/target/results.md}"
opts="${JMH_OPTS:--f 1 -wi 3 -w 1s -i 5 -r 1s}"
suite='^(dev\.backstop\.benchmarks\.(Baselines|BackstopBenchmarks|Alternatives)|io\.grpc\.rls\.GrpcAdaptiveThrottler)\.'

if [[ ! -f "$jar" ]]; then
  (cd "$root" && mvn -B -ntp -q -pl backstop-benchmarks -am package -DskipTests)
fi

load_before="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
for threads in 1 2; do
  # shellcheck disable=SC2086 # $opts is a list of options
  java -jar "$jar" "$suite" $opts -t "$threads" -prof gc \
    -prof dev.backstop.benchmarks.CpuTimeProfiler \
    -rf json -rff "$module/target/jmh-${threads}t.json"
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"

note="load average (1, 5, 15 min) before the run: $load_before; after: $load_after"
if [[ -n "${NOTE:-}" ]]; then
  note="${NOTE}; $note"
fi
java -cp "$jar" dev.backstop.benchmarks.Report --out "$out" --note "$note" \
  "$module/target/jmh-1t.json" "$module/target/jmh-2t.json"
