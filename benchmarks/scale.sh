#!/usr/bin/env bash
# Past one process: N concurrent connections (19,000 by default) opened by two `load`
# processes from two loopback source addresses, against `stream serve` (cached file, range
# GETs over keep-alive) and against `load echo-serve` (frames echoed through the adapter).
# For each server: throughput, latency, errors, the connections it held at once, its CPU
# seconds per GiB, and its heap (after a full GC) and RSS per open connection.
#
#   benchmarks/scale.sh [--connections N] [--duration 120s] [--chunk 16KiB] [--timeout 120s]
#                       [--targets "stream echo"] [--out FILE] [--no-build]
#
# Every run stops by itself: the load at --duration (plus its timeout), the servers when
# this script ends (SIGTERM to the PIDs it started, then SIGKILL). One process may open
# 20,000 descriptors on the project's machines, so 19,000 is about what one server holds.
set -euo pipefail

connections=19000
duration=120s
timeout=120s
chunk=16KiB
targets="stream echo"
build=1
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/benchmarks/target/scale/scale-run.md"

while [[ $# -gt 0 ]]; do
    case "$1" in
        --connections) connections=$2; shift 2 ;;
        --duration) duration=$2; shift 2 ;;
        --chunk) chunk=$2; shift 2 ;;
        --timeout) timeout=$2; shift 2 ;;
        --targets) targets=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        --no-build) build=0; shift ;;
        -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
        *) echo "scale.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done

jar="$root/samples/target/zerocopy-samples.jar"
if [[ $build == 1 ]]; then
    (cd "$root" && mvn -B -q -pl samples -am package -DskipTests)
fi
[[ -f $jar ]] || { echo "scale.sh: $jar is missing; run without --no-build" >&2; exit 1; }

work=$(mktemp -d /tmp/zerocopy-scale.XXXXXX)
# A copy, so that a build during the run cannot change the classes under running JVMs.
cp "$jar" "$work/samples.jar"
jar="$work/samples.jar"
server=""
cleanup() {
    if [[ -n $server ]] && kill -0 "$server" 2>/dev/null; then
        kill -TERM "$server" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$server" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

ticks=$(getconf CLK_TCK)
# CPU seconds (user + system) a process has used so far.
cpu_seconds() { awk -v t="$ticks" '{ printf "%.2f", ($14 + $15) / t }' "/proc/$1/stat"; }
# Heap used after a full GC, in KiB (G1's "garbage-first heap ... used NK").
heap_kib() {
    jcmd "$1" GC.run > /dev/null
    jcmd "$1" GC.heap_info | sed -n 's/.*heap .*used \([0-9]*\)K.*/\1/p' | head -1
}
rss_kib() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
descriptors() { ls "/proc/$1/fd" | wc -l; }
json_number() { sed -n "s/.*\"$2\": \([0-9.]*\).*/\1/p" "$1"; }

seconds=${duration%s}
mkdir -p "$(dirname "$out")"
{
    echo "Run of \`benchmarks/scale.sh --connections $connections --duration $duration --chunk $chunk --timeout $timeout\` at $(date -u '+%Y-%m-%d %H:%M UTC'),"
    echo "$(nproc) cores, load average before: $(cut -d' ' -f1-3 /proc/loadavg), JDK $(java -version 2>&1 | head -1 | sed 's/.*"\(.*\)".*/\1/')."
    echo
    echo "| server | connections held | requests | GiB | GiB/s | p50 / p99 ms | errors | server CPU-s | CPU-s per GiB | heap per connection | RSS per connection | load CPU-s per GiB |"
    echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
} > "$out"

for target in $targets; do
    case "$target" in
        stream)
            mkdir -p "$work/root"
            head -c $((64 << 20)) /dev/urandom > "$work/root/movie.bin"
            start=(java -jar "$jar" stream serve --root "$work/root" --port 0 --cache --no-access-log
                   --max-connections $((connections + 500)) --idle-timeout 120s)
            load_mode=(--mode stream --path /movie.bin)
            ;;
        echo)
            start=(java -jar "$jar" load echo-serve --port 0 --max-frame "$chunk" --pool 64MiB)
            load_mode=(--mode echo)
            ;;
        *) echo "scale.sh: unknown target $target (stream or echo)" >&2; exit 2 ;;
    esac
    echo "== $target: ${start[*]}" >&2
    "${start[@]}" > "$work/$target-server.out" 2> "$work/$target-server.err" &
    server=$!
    port=""
    for _ in $(seq 1 300); do
        port=$(sed -n 's/.*127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$work/$target-server.out" | head -1)
        [[ -n $port ]] && break
        kill -0 "$server" 2>/dev/null || { cat "$work/$target-server.err" >&2; exit 1; }
        sleep 0.1
    done
    [[ -n $port ]] || { echo "scale.sh: $target server did not say its port in 30 s" >&2; exit 1; }
    heap0=$(heap_kib "$server"); rss0=$(rss_kib "$server"); cpu0=$(cpu_seconds "$server"); fds0=$(descriptors "$server")

    json="$work/$target.json"
    TIMEFORMAT='%U %S'
    { time java -jar "$jar" load --target "127.0.0.1:$port" "${load_mode[@]}" \
        --connections "$connections" --processes 2 --source 127.0.0.1-2 \
        --duration "$duration" --chunk "$chunk" --timeout "$timeout" --progress none \
        --jvm-option -Xmx1g --jvm-option -XX:MaxDirectMemorySize=1g \
        --json "$json" > "$work/$target-load.out" 2> "$work/$target-load.err"; } 2> "$work/$target-time" &
    load=$!

    # Wait until the server holds every connection (its descriptors beyond those it had
    # before the load; --cache opens no file per request), or until 30 s before the end,
    # then take its heap after a full GC with them all open: the GC pauses the server once,
    # mid-run. The connections counted are the fewer of before and after the GC.
    deadline=$((SECONDS + seconds - 30))
    while (( SECONDS < deadline )); do
        (( $(descriptors "$server") - fds0 >= connections )) && break
        sleep 1
    done
    fds=$(descriptors "$server")
    held=$((fds - fds0))
    heap1=$(heap_kib "$server"); rss1=$(rss_kib "$server")
    after=$(( $(descriptors "$server") - fds0 ))
    (( after < held )) && held=$after
    peak=$after
    while kill -0 "$load" 2>/dev/null; do
        now=$(( $(descriptors "$server") - fds0 ))
        (( now > peak )) && peak=$now
        sleep 1
    done
    status=0
    wait "$load" || status=$?
    cpu1=$(cpu_seconds "$server")
    cat "$work/$target-load.out" >&2
    [[ -f $json ]] || { echo "scale.sh: the $target load wrote no report (status $status)" >&2; cat "$work/$target-load.err" >&2; exit 1; }

    kill -TERM "$server"; wait "$server" || true; server=""
    cat "$work/$target-server.out" >&2

    read -r load_user load_sys < <(tail -1 "$work/$target-time")
    bytes=$(json_number "$json" bytes)
    awk -v target="$target" -v held="$held" -v peak="$peak" -v requests="$(json_number "$json" requests)" -v bytes="$bytes" \
        -v gibs="$(json_number "$json" gibPerSecond)" -v p50="$(json_number "$json" latencyP50Micros)" \
        -v p99="$(json_number "$json" latencyP99Micros)" -v errors="$(json_number "$json" errors)" \
        -v cpu0="$cpu0" -v cpu1="$cpu1" -v heap0="$heap0" -v heap1="$heap1" -v rss0="$rss0" -v rss1="$rss1" \
        -v luser="$load_user" -v lsys="$load_sys" 'BEGIN {
            gib = bytes / 2^30; cpu = cpu1 - cpu0
            printf "| %s | %d (peak %d) | %d | %.1f | %.3f | %.1f / %.1f | %d | %.1f | %.2f | %.1f KiB | %.1f KiB | %.2f |\n",
                target, held, peak, requests, gib, gibs, p50 / 1000, p99 / 1000, errors, cpu, cpu / gib,
                (heap1 - heap0) / (held > 0 ? held : 1), (rss1 - rss0) / (held > 0 ? held : 1), (luser + lsys) / gib
        }' >> "$out"
    echo "== $target: heap ${heap0}K -> ${heap1}K, RSS ${rss0}K -> ${rss1}K, server CPU ${cpu0}s -> ${cpu1}s, load CPU ${load_user}+${load_sys}s" >&2
done

{
    echo
    echo "GiB are the response bodies (stream) or the echoed payloads (echo, each byte received and sent back) the"
    echo "load processes received and checked. Heap and RSS per connection: the server's heap after a full GC"
    echo "(and its RSS) with every connection open, minus the same before the load, over the connections held"
    echo "then (its descriptors beyond those before the load); the peak is the most held at any one-second sample."
} >> "$out"
cat "$out"
