#!/usr/bin/env bash
# Soak: the sidecar in front of model-sim at about 80% of model-sim's capacity for DURATION
# seconds, with all three priorities and client aborts mixed in. Every INTERVAL seconds it records,
# for the sidecar process: heap used after a full GC (jcmd GC.run, then GC.heap_info), RSS
# (VmRSS), live threads (Threads in /proc/PID/status), open file descriptors (/proc/PID/fd), and
# the p50/p99 latency and request count of the interval (wrk, one run per interval).
#
# Capacity: model-sim serves SLOTS requests at once, SERVICE_MS each (constant), so its capacity
# is SLOTS * 1000 / SERVICE_MS req/s. The load is closed-loop with CONNS = 80% of SLOTS
# connections, so the model server is about 80% busy. The aborting client (curl with a
# timeout shorter than the service time) adds cancellations of queued and dispatched requests.
#
# Needs: wrk, curl, a JDK (jcmd), and
#   ./mvnw -B -pl proxy,model-sim -am package -DskipTests
# Usage: benchmarks/scripts/soak.sh        (from the project root)
#   env: DURATION=600 INTERVAL=10 SLOTS=10 SERVICE_MS=20 RUN_DIR=/tmp/aim-soak
#        PORT_BASE=19280 (below the ephemeral range; uses PORT_BASE .. PORT_BASE+4)
# Output: RUN_DIR/samples.csv and a summary (first vs last sample, growth in %) on stdout.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
RUN=${RUN_DIR:-/tmp/aim-soak}
DUR=${DURATION:-600}
INT=${INTERVAL:-10}
SLOTS=${SLOTS:-10}
SERVICE_MS=${SERVICE_MS:-20}
CONNS=$(( SLOTS * 8 / 10 ))
PB=${PORT_BASE:-19280}
SIM_HTTP=$PB; SIM_GRPC=$((PB + 1)); PX_HTTP=$((PB + 2)); PX_GRPC=$((PB + 3)); PX_ADMIN=$((PB + 4))
JVM_OPTS=(-Xms128m -Xmx256m -XX:+UseG1GC "-Dlogback.configurationFile=$ROOT/benchmarks/config/logback.xml")

rm -rf "$RUN"; mkdir -p "$RUN"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

wait_http() { # url
  for _ in $(seq 1 600); do
    if curl -fs -o /dev/null "$1"; then return 0; fi
    sleep 0.2
  done
  echo "not up: $1" >&2; exit 1
}

java "${JVM_OPTS[@]}" -jar "$ROOT/model-sim/target/aim-model-sim.jar" --host 127.0.0.1 \
  --http-port "$SIM_HTTP" --grpc-port "$SIM_GRPC" --model demo --slots "$SLOTS" \
  --service-ms "$SERVICE_MS" --service-dist constant --event-loops 1 > "$RUN/sim.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$SIM_HTTP/v2/health/ready"

cat > "$RUN/sidecar.yaml" <<EOF
http:
  bind: 127.0.0.1
grpc:
  bind: 127.0.0.1
admin:
  bind: 127.0.0.1
models:
  demo: {}
EOF
java "${JVM_OPTS[@]}" -jar "$ROOT/proxy/target/aim-proxy.jar" --config "$RUN/sidecar.yaml" \
  --http-port "$PX_HTTP" --grpc-port "$PX_GRPC" --admin-port "$PX_ADMIN" \
  --upstream-http "http://127.0.0.1:$SIM_HTTP" --upstream-grpc "127.0.0.1:$SIM_GRPC" \
  --event-loops 2 --gpu-source none > "$RUN/sidecar.log" 2>&1 &
PX=$!
PIDS+=($PX)
wait_http "http://127.0.0.1:$PX_ADMIN/health/ready"

# wrk: POST KServe v2 infer, priority drawn per request (20% high, 50% medium, 30% low); the
# done() hook prints "count p50_us p99_us non2xx" for the interval.
cat > "$RUN/load.lua" <<'EOF'
wrk.method = "POST"
wrk.body = '{"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":[1.0]}]}'
wrk.headers["Content-Type"] = "application/json"
local prios = {"high", "high", "medium", "medium", "medium", "medium", "medium", "low", "low", "low"}
request = function()
  wrk.headers["x-aim-priority"] = prios[math.random(#prios)]
  return wrk.format(nil, nil)
end
done = function(summary, latency, requests)
  local bad = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  io.write(string.format("RESULT %d %d %d %d\n", summary.requests,
    latency:percentile(50), latency:percentile(99), bad))
end
EOF

# Aborting client: each request gives up after 10 ms (half the service time), so it is
# cancelled while queued or while the model server works on it.
(
  while true; do
    curl -s -o /dev/null -m 0.01 -X POST -H 'x-aim-priority: low' \
      -H 'Content-Type: application/json' -d '{"inputs":[{"name":"x","shape":[1],"datatype":"FP32","data":[1.0]}]}' \
      "http://127.0.0.1:$PX_HTTP/v2/models/demo/infer" || true
    sleep 0.05
  done
) > /dev/null 2>&1 &
PIDS+=($!)

sample() { # elapsed count p50 p99 bad
  jcmd "$PX" GC.run > /dev/null
  local heap rss thr fds
  heap=$(jcmd "$PX" GC.heap_info | awk '/garbage-first heap|PSYoungGen|def new/ {for (i=1;i<=NF;i++) if ($i=="used") {print $(i+1); exit}}')
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$PX/status")
  thr=$(awk '/Threads/ {print $2}' "/proc/$PX/status")
  fds=$(ls "/proc/$PX/fd" | wc -l)
  echo "$1,$2,$3,$4,$5,${heap%K},$rss,$thr,$fds" | tee -a "$RUN/samples.csv"
}

echo "elapsed_s,requests,p50_us,p99_us,errors,heap_used_kb,rss_kb,threads,fds" | tee "$RUN/samples.csv"
# Warm-up interval (JIT, pools), not sampled as the baseline.
wrk -t1 -c"$CONNS" -d"${INT}s" -s "$RUN/load.lua" "http://127.0.0.1:$PX_HTTP/v2/models/demo/infer" > /dev/null
elapsed=0
while (( elapsed < DUR )); do
  out=$(wrk -t1 -c"$CONNS" -d"${INT}s" --latency -s "$RUN/load.lua" \
    "http://127.0.0.1:$PX_HTTP/v2/models/demo/infer" | awk '/^RESULT/ {print $2, $3, $4, $5}')
  elapsed=$(( elapsed + INT ))
  read -r n p50 p99 bad <<< "$out"
  sample "$elapsed" "$n" "$p50" "$p99" "$bad"
done

awk -F, 'NR == 2 {h0=$6; r0=$7; t0=$8; f0=$9; p0=$4}
  NR > 1 {h=$6; r=$7; t=$8; f=$9; p=$4; n+=$2; e+=$5; if ($4 > pmax) pmax=$4}
  END {
    printf "requests %d, non-2xx/errors %d\n", n, e;
    printf "heap after GC: %d -> %d KiB (%+.1f%%)\n", h0, h, (h-h0)*100/h0;
    printf "RSS: %d -> %d KiB (%+.1f%%)\n", r0, r, (r-r0)*100/r0;
    printf "threads: %d -> %d, fds: %d -> %d\n", t0, t, f0, f;
    printf "p99 first %.1f ms, last %.1f ms, max %.1f ms\n", p0/1000, p/1000, pmax/1000;
  }' "$RUN/samples.csv"
curl -s "http://127.0.0.1:$PX_ADMIN/metrics" | grep -E '^aim_model_requests_total' > "$RUN/requests_total.txt" || true
