#!/usr/bin/env bash
# Runs the whole comparison in one go: builds target/benchmarks.jar, runs the JMH suite, measures
# the references that need no JVM (iperf3 over loopback, the seed's Python recipe, Python's
# socket.sendfile, the seed's Python microbenchmarks), and writes RESULTS.md and throughput.png.
#
#   benchmarks/run.sh            the full run (JMH's annotated forks and iterations; about an hour)
#   benchmarks/run.sh --quick    one fork (three for warm-up), fewer iterations: about 25 minutes on 2 cores
#   benchmarks/run.sh --smoke    seconds-long iterations and small sizes, to check that everything
#                                runs; writes to target/smoke/, never over the committed results
# Options: --out DIR (where RESULTS.md and throughput.png go), --no-build, --jar FILE (run that
# benchmarks.jar, built before; implies --no-build), --note TEXT (a note under RESULTS.md's header),
# --keep-file (keep the benchmark file for the next run). Raw results stay in target/results/<time>/.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
mode=full
out=""
build=1
keep_file=0
jar_option=""
note=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) mode=quick ;;
    --smoke) mode=smoke ;;
    --out) out="$2"; shift ;;
    --no-build) build=0 ;;
    --jar) jar_option="$2"; build=0; shift ;;
    --note) note="$2"; shift ;;
    --keep-file) keep_file=1 ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done
if [[ -z "$out" ]]; then
  if [[ $mode == smoke ]]; then out="$here/target/smoke"; else out="$here"; fi
fi
mkdir -p "$out"
out="$(cd "$out" && pwd)"

started=$(date +%s)
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
results="$here/target/results/$stamp"
data="$here/target/bench-data"
mkdir -p "$results" "$data"
export ZEROCOPY_BENCH_DIR="$data"
jar="${jar_option:-$here/target/benchmarks.jar}"

iperf_pid=""
cleanup() {
  if [[ -n "$iperf_pid" ]] && kill -0 "$iperf_pid" 2>/dev/null; then
    kill "$iperf_pid" 2>/dev/null || true
    wait "$iperf_pid" 2>/dev/null || true
  fi
  if [[ $keep_file == 0 ]]; then
    rm -f "$data"/zerocopy-bench-*.bin "$data"/zerocopy-bench-*.partial
  fi
}
trap cleanup EXIT

say() { printf '\n=== %s (%ds)\n' "$*" $(( $(date +%s) - started )); }

# Sizes and JMH options per mode. Empty JMH options mean the annotations' (the full run).
loop_bytes=400000000
file_bytes=1073741824
connections=""
conn_sizes=(1000 5000)
conn_drivers=(ktor core-vt netty-nio netty-epoll netty-io_uring)
py_runs=5
iperf_seconds=6
seed_scale=1
case $mode in
  full)
    micro=(); single=(); file_opts=(); conc=(); alloc=(); frames=(); transfers=30; warmup_forks=5; conn_rounds=3 ;;
  quick)
    micro=(-f 1 -wi 2 -w 1s -i 4 -r 1s)
    single=(-f 1 -wi 3 -i 10)
    file_opts=(-f 1 -wi 2 -i 6)
    conc=(-f 1 -wi 1 -i 4)
    alloc=(-f 1 -wi 2 -w 1s -i 4 -r 1s)
    frames=(-f 1 -wi 2 -w 1s -i 3 -r 1s); transfers=20; warmup_forks=3; conn_rounds=3
    py_runs=5; iperf_seconds=4; seed_scale=0.5 ;;
  smoke)
    micro=(-f 1 -wi 1 -w 100ms -i 2 -r 200ms)
    single=(-f 1 -wi 1 -i 3)
    file_opts=(-f 1 -wi 1 -i 2)
    conc=(-f 1 -wi 1 -i 2)
    alloc=(-f 1 -wi 1 -w 200ms -i 2 -r 300ms)
    frames=(-f 1 -wi 1 -w 100ms -i 1 -r 200ms -p size=1024 -p path=CORE,ADAPTER,NETTY_EPOLL); transfers=4; warmup_forks=1
    conn_sizes=(100); conn_rounds=1; conn_drivers=(ktor netty-nio)
    loop_bytes=40000000; file_bytes=67108864; connections="1,100"
    py_runs=2; iperf_seconds=2; seed_scale=0.1 ;;
esac

if [[ $build == 1 ]]; then
  say "building $jar"
  (cd "$root" && mvn -B -q -pl benchmarks -am package -DskipTests)
fi
[[ -f "$jar" ]] || { echo "run.sh: $jar is missing; run without --no-build" >&2; exit 1; }

profilers=(-prof gc -prof dev.zerocopy.benchmarks.ResourceProfiler)
jmh() { # jmh NAME REGEX ARGS...: one JMH run, JSON to results/jmh-NAME.json, log beside it
  local name="$1" regex="$2"; shift 2
  say "JMH $name"
  java -jar "$jar" "$regex" "$@" -rf json -rff "$results/jmh-$name.json" 2>&1 | tee "$results/jmh-$name.log" \
    | grep -E --line-buffered '^(# (Benchmark|Parameters):|Iteration|# Run complete|[A-Za-z]+Benchmark\.[a-zA-Z]+ )' || true
  if [[ ! -s "$results/jmh-$name.json" ]]; then
    echo "JMH $name wrote no results; see jmh-$name.log" | tee -a "$results/failures.txt" >&2
  elif grep -q '<failure>' "$results/jmh-$name.log"; then
    echo "JMH $name: some benchmarks failed; see jmh-$name.log" | tee -a "$results/failures.txt" >&2
  fi
}
failed() { echo "$*" | tee -a "$results/failures.txt" >&2; }

# The machine's ceiling: one iperf3 TCP stream over loopback.
say "iperf3 over 127.0.0.1"
iperf_missing="iperf3 is not installed, and run.sh installs it only as root with apt-get"
if ! command -v iperf3 >/dev/null 2>&1; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iperf3) >"$results/iperf3-install.log" 2>&1 \
      || iperf_missing="iperf3 is not installed, and apt-get install -y iperf3 failed (see iperf3-install.log)"
  fi
fi
if command -v iperf3 >/dev/null 2>&1; then
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  # One-off server (-1), bounded by timeout in case no client ever reaches it.
  timeout 120 iperf3 -s -1 -B 127.0.0.1 -p "$port" >"$results/iperf3-server.log" 2>&1 &
  iperf_pid=$!
  # Start the client only once the server's port is listening (a first start after
  # installing can take seconds), at most 30 s; a probe connection would use up the one-off
  # server, so the kernel's table of listening sockets is asked instead.
  for _ in $(seq 300); do
    python3 - "$port" <<'PY' && break
import sys
port = "%04X" % int(sys.argv[1])
with open("/proc/net/tcp") as table:
    listening = any(f.split()[1].endswith(":" + port) and f.split()[3] == "0A" for f in list(table)[1:])
sys.exit(0 if listening else 1)
PY
    sleep 0.1
  done
  measured=0
  for _ in $(seq 20); do
    if iperf3 -c 127.0.0.1 -p "$port" -t "$iperf_seconds" -O 1 -J >"$results/iperf3.json" 2>/dev/null; then
      measured=1
      break
    fi
    sleep 0.25  # refused although the server said it listens: retry, at most 5 s
  done
  [[ $measured == 1 ]] || kill "$iperf_pid" 2>/dev/null || true
  wait "$iperf_pid" 2>/dev/null || true
  iperf_pid=""
else
  echo "$iperf_missing: no ceiling measured" | tee "$results/iperf3-skipped.txt"
fi

say "Python recipe: send_from/recv_into of $loop_bytes bytes"
timeout 600 python3 "$here/python/recipe.py" --bytes "$loop_bytes" --runs "$py_runs" >"$results/python-recipe.json" \
  || failed "the Python recipe failed (exit $?)"

jmh loopback '\.LoopbackBenchmark\.' "${single[@]}" -p bytes="$loop_bytes" "${profilers[@]}"
jmh netty-loopback '\.NettyLoopbackBenchmark\.' "${single[@]}" -p bytes="$loop_bytes" "${profilers[@]}"
# Warm-up: every 400 MB path from fresh JVMs, each transfer its own iteration, none discarded,
# so the report can say how many transfers each path needs to reach its steady state (the median
# over the forks: in one JVM, a path's count ranged from 1 to 7 between forks of one build).
jmh warmup '\.(Netty)?LoopbackBenchmark\.' -f "$warmup_forks" -wi 0 -i "$transfers" -p bytes="$loop_bytes"
jmh frames '\.FramesBenchmark\.' "${frames[@]}" "${profilers[@]}"

# Many connections, 1 MiB each way, one JVM per driver and size (5,000 connections are 10,000
# descriptors of the 20,000 one process may hold, so both ends fit in one JVM). The core runs on
# virtual threads, on JDK 21+ ($JAVA_VT, default Temurin 25), skipped with a note without one.
java_vt="${JAVA_VT:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}"
conn_table="$results/connections.md"
: >"$conn_table"
for n in "${conn_sizes[@]}"; do
  for driver in "${conn_drivers[@]}"; do
    say "connections: $driver, $n connections, 1 MiB each way"
    runner=java
    # From 5,000 connections Netty's sockets get a 16 KiB SO_SNDBUF: with the kernel's autotuning,
    # Netty fills all 10,000 sockets' buffers at once, past tcp_mem, and stalls on the kernel's drops
    # (benchmarks/README.md, "Many connections: Netty in ConnectionsHarness"); at 1,000 its defaults
    # do as well or better. The library's paths need no such setting.
    driver_options=()
    [[ $driver == netty-* && $n -ge 5000 ]] && driver_options=(--netty-send-buffer 16384)
    if [[ $driver == core-vt ]]; then
      if [[ ! -x "$java_vt" ]]; then
        failed "core-vt: no JDK 21+ at $java_vt (set JAVA_VT): not measured"
        continue
      fi
      runner="$java_vt"
    fi
    timeout 900 "$runner" -Xms1g -Xmx1g -XX:MaxDirectMemorySize=1g -cp "$jar" dev.zerocopy.benchmarks.ConnectionsHarness \
      --driver "$driver" --connections "$n" --ways 2 --rounds "$conn_rounds" "${driver_options[@]}" \
      2>>"$results/connections.log" \
      | tee -a "$conn_table" || failed "connections: $driver at $n failed (exit $?; see connections.log)"
  done
done

jmh file '\.FileSendBenchmark\.' "${file_opts[@]}" -p fileSize="$file_bytes" "${profilers[@]}"
jmh netty-file '\.NettyFileSendBenchmark\.' "${file_opts[@]}" -p fileSize="$file_bytes" "${profilers[@]}"

# Right after the JMH file runs, so the file (made by them) is still in the page cache; the
# script reads it once more itself and discards a warm-up transfer.
say "Python socket.sendfile of $file_bytes bytes"
bench_file="$data/zerocopy-bench-$file_bytes.bin"
if [[ -f "$bench_file" ]]; then
  timeout 600 python3 "$here/python/sendfile_ref.py" --file "$bench_file" --runs "$py_runs" >"$results/python-sendfile.json" \
    || failed "the Python sendfile reference failed (exit $?)"
else
  failed "$bench_file is missing (did the JMH file benchmark fail?): no Python sendfile"
fi

conc_params=()
[[ -n "$connections" ]] && conc_params=(-p connections="$connections")
jmh concurrency '\.ConcurrencyBenchmark\.' "${conc[@]}" "${conc_params[@]}" "${profilers[@]}"
jmh allocation '\.AllocationBenchmark\.' "${alloc[@]}" -prof gc

jmh slice '\.SliceBenchmark\.' "${micro[@]}" "${profilers[@]}"
jmh splice '\.SpliceBenchmark\.' "${micro[@]}" "${profilers[@]}"
# Nanoseconds per transfer: the JFR event (disabled, below threshold, recorded) and the counters.
jmh observability '\.TransferEventBenchmark\.' "${micro[@]}" -prof gc

say "the seed's Python microbenchmarks"
timeout 600 python3 "$here/python/seed_micro.py" --scale "$seed_scale" >"$results/python-seed.json" \
  || failed "the seed's Python microbenchmarks failed (exit $?)"

say "writing $out/RESULTS.md and $out/throughput.png"
java -Djava.awt.headless=true -cp "$jar" dev.zerocopy.benchmarks.report.Report \
  --results "$results" --markdown "$out/RESULTS.md" --chart "$out/throughput.png" --mode "$mode" \
  --elapsed "$(( $(date +%s) - started ))" --note "$note"
say "done: $out/RESULTS.md"
