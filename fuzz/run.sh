#!/usr/bin/env bash
# Runs one fuzz test in fuzzing mode (Jazzer, coverage-guided) for a given time.
#
#   fuzz/run.sh MODULE TEST [DURATION]
#
#   MODULE    core or samples
#   TEST      the fuzz test class, or Class#method where a class holds several fuzz tests
#             (core: FramesFuzzTest; samples: LineReaderFuzzTest,
#             HttpParsersFuzzTest#rangeHeaders, #liveContentRanges, #requestHeads,
#             #byteSizesAndDurations)
#   DURATION  Jazzer's format: 30s, 5m, 1h (default 60s)
#
# `mvn -B verify` runs the same tests in regression mode over the committed corpus
# (MODULE/src/test/resources/<package>/<Class>Inputs/<method>/). Here Jazzer mutates
# inputs for DURATION; an input that fails is written into that corpus directory as
# crash-<sha1>, to be fixed and committed. The corpus the fuzzer grows lives in
# MODULE/.cifuzz-corpus/ (not committed). Executions per second are in the libFuzzer
# status lines ("exec/s"), which this script prints at the end.
set -euo pipefail

if [[ $# -lt 2 ]]; then
  sed -n '2,20p' "$0"
  exit 2
fi
module=$1
test=$2
duration=${3:-60s}
cd "$(dirname "$0")/.."

log=$(mktemp "${TMPDIR:-/tmp}/zerocopy-fuzz.XXXXXX")
status=0
# Hooks on (the build turns them off for quick regression runs); coverage also from
# Ktor's HTTP parser and line reader, which the request head reader relies on; JUnit's
# per-test timeout (junit-platform.properties) would cut a long fuzzing run short, and so
# would the build's limit on a test JVM's time (surefire.forkTimeout; 0 lifts it).
JAZZER_FUZZ=1 JAZZER_MAX_DURATION="$duration" mvn -B -pl "$module" -am verify \
  -Dtest="$test" -Dsurefire.failIfNoSpecifiedTests=false -Djazzer.hooks=true -Dsurefire.forkTimeout=0 \
  -Djazzer.instrumentation_includes='dev.zerocopy.**:io.ktor.http.cio.**:io.ktor.utils.io.**' \
  -Djunit.jupiter.execution.timeout.mode=disabled >"$log" 2>&1 || status=$?
grep -E '^#[0-9]+.*(DONE|pulse|NEW|REDUCE)' "$log" | tail -n 3 || true
grep -E 'exec/s|== Java Exception|crash-|Tests run:.*Fail' "$log" | tail -n 8 || true
echo "full log: $log (exit $status)"
exit $status
