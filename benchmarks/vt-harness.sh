#!/usr/bin/env bash
# Measures the core on virtual threads and what AUTO's choice rests on, and writes the
# "Virtual threads, remote peers and AUTO" section of RESULTS.md (run.sh keeps that section).
#
#   benchmarks/vt-harness.sh             2,000 and 9,000 connections (core on virtual threads
#                                        and the Ktor adapter), zero-copy vs copy over loopback
#                                        and over veth into a network namespace (~10 minutes)
#   benchmarks/vt-harness.sh --quick     fewer rounds, shorter cells, 2,000 connections only
# Options: --no-build, --out FILE (default benchmarks/RESULTS.md). Needs JDK 21+ (JAVA, default
# /usr/lib/jvm/temurin-25-jdk-amd64/bin/java); the veth part needs root and iproute2 and is
# skipped, saying why, without them. The namespace and veth pair get unique names and
# addresses and are deleted on exit.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
java="${JAVA:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}"
out="$here/RESULTS.md"
build=1
quick=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) quick=1 ;;
    --no-build) build=0 ;;
    --out) out="$2"; shift ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "vt-harness.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done
jar="$here/target/benchmarks.jar"
if [[ $build == 1 ]]; then
  (cd "$root" && mvn -B -q -pl benchmarks -am package -DskipTests)
fi
export ZEROCOPY_BENCH_DIR="$here/target/bench-data"
mkdir -p "$ZEROCOPY_BENCH_DIR"

ns="zcb$$"
host_if="zbh$$"
peer_if="zbp$$"
subnet="10.$(( 100 + RANDOM % 100 )).$(( RANDOM % 256 ))"
peer_pid=""
cleanup() {
  if [[ -n "$peer_pid" ]]; then kill "$peer_pid" 2>/dev/null || true; wait "$peer_pid" 2>/dev/null || true; fi
  ip link del "$host_if" 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
  rm -f "$ZEROCOPY_BENCH_DIR"/zerocopy-bench-*.bin
}
trap cleanup EXIT

if [[ $quick == 1 ]]; then cell=(--seconds 1 --rounds 3); counts=(2000); rounds=2
else cell=(--seconds 2 --rounds 5); counts=(2000 9000); rounds=3; fi

section="$(mktemp)"
{
  echo "<!-- vt-harness -->"
  echo "## Virtual threads, remote peers and AUTO"
  echo
  echo "Written by \`benchmarks/vt-harness.sh$([[ $quick == 1 ]] && echo ' --quick')\` on $(date -u '+%Y-%m-%d %H:%M UTC'),"
  echo "$("$java" -version 2>&1 | head -1), $(nproc) cores. $(uptime | sed 's/.*load average/load average/') at the start:"
  echo "other builds were running on this machine, so read the ratios within a table, not the absolute figures."
  echo
  echo "### Connections on virtual threads beside the Ktor adapter"
  echo
  echo "\`ConnectionsHarness\`: every connection moves 1 MiB from one end to the other at once, both ends in one JVM;"
  echo "core-vt is \`ZeroCopy.sendFrom\`/\`recvInto\` on blocking channels, a virtual thread per end; ktor is the adapter,"
  echo "a coroutine per end on one selector. Median of $rounds rounds after one warm-up; CPU is the whole process's."
  echo
  echo "| driver | connections | per connection | GiB/s | CPU s per GiB | GiB/s range |"
  echo "|---|---|---|---|---|---|"
} > "$section"
for n in "${counts[@]}"; do
  for driver in core-vt ktor; do
    "$java" -Xmx2g -XX:MaxDirectMemorySize=1g -cp "$jar" dev.zerocopy.benchmarks.ConnectionsHarness \
      --driver "$driver" --connections "$n" --rounds "$rounds" | tee -a "$section"
  done
done

"$java" -cp "$jar" dev.zerocopy.benchmarks.FileModeHarness --label "loopback (127.0.0.1)" "${cell[@]}" \
  | tee -a "$section"

veth_reason=""
if ! ip netns add "$ns" 2>/tmp/vt-harness-$$.err; then
  veth_reason="cannot create a network namespace: $(cat /tmp/vt-harness-$$.err)"
else
  ip link add "$host_if" type veth peer name "$peer_if"
  ip link set "$peer_if" netns "$ns"
  ip addr add "$subnet.1/30" dev "$host_if"
  ip link set "$host_if" up
  ip -n "$ns" addr add "$subnet.2/30" dev "$peer_if"
  ip -n "$ns" link set "$peer_if" up
  ip -n "$ns" link set lo up
  coproc PEER { exec ip netns exec "$ns" "$java" -cp "$jar" dev.zerocopy.benchmarks.DrainPeer "$subnet.2"; }
  peer_pid=$PEER_PID
  read -r port <&"${PEER[0]}"
  "$java" -cp "$jar" dev.zerocopy.benchmarks.FileModeHarness --peer "$subnet.2:$port" \
    --label "veth into a network namespace (MTU $(cat /sys/class/net/$host_if/mtu))" "${cell[@]}" | tee -a "$section"
fi
rm -f /tmp/vt-harness-$$.err
if [[ -n "$veth_reason" ]]; then printf '\nThe veth measurement was skipped: %s\n' "$veth_reason" >> "$section"; fi
echo "<!-- /vt-harness -->" >> "$section"

# Replace the section in $out (or add it before "## Raw data", or at the end).
if [[ -f "$out" ]] && grep -q '^<!-- vt-harness -->' "$out"; then
  awk -v file="$section" '
    /^<!-- vt-harness -->/ { while ((getline line < file) > 0) print line; skip = 1; next }
    /^<!-- \/vt-harness -->/ { skip = 0; next }
    !skip { print }' "$out" > "$out.new"
elif [[ -f "$out" ]] && grep -q '^## Raw data' "$out"; then
  awk -v file="$section" '
    /^## Raw data/ { while ((getline line < file) > 0) print line; print "" }
    { print }' "$out" > "$out.new"
else
  { [[ -f "$out" ]] && cat "$out"; echo; cat "$section"; } > "$out.new"
fi
mv "$out.new" "$out"
rm -f "$section"
echo "wrote the section to $out"
