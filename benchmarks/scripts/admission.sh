#!/usr/bin/env bash
# Admission under overload: model-sim behind the AIM sidecar, nginx (FIFO: everything passed on,
# model-sim's own queue), HAProxy (FIFO queue in front of maxconn = slots) and direct, each
# driven open-loop by `aim-bench load`. Loopback only (ports 47280-47289); every run is bounded
# in time and count and stops by itself. Results (JSON, tables, PNGs) in RUN_DIR.
#
# Needs: nginx (nginx-light), haproxy, a JDK, and
#   ./mvnw -B -pl benchmarks -am package -DskipTests   (aim-bench.jar, aim-proxy.jar, aim-model-sim.jar)
#
# Sidecar targets in the overload scenarios also run a probe (--probe 20:low): one LOW request
# every 50 ms on one keep-alive socket, a light second client that measures the shed answer.
#
# Usage: benchmarks/scripts/admission.sh SCENARIO...   (from the project root)
#   scenarios: overload overload-wide overload-preempt shed-alone reserve tenants engine trace
#   env: DURATION=30 (seconds of measured arrivals) REPS=1 WARMUP=5 RUN_DIR=/tmp/aim-admission
#        TRACE=../shared/data/azure-llm-inference-2023-conv.csv TRACE_SPEEDUP=15
#        OVERCOMMIT_AFTER="10 15" (overload-preempt: highOvercommitAfterMs values, one run each)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CONF=$ROOT/benchmarks/config/admission
RUN=${RUN_DIR:-/tmp/aim-admission}
DUR=${DURATION:-30}
REPS=${REPS:-1}
WARM=${WARMUP:-10}
BENCH="java -Xmx1g -jar $ROOT/benchmarks/target/aim-bench.jar"
SIM_JAR=$ROOT/model-sim/target/aim-model-sim.jar
PROXY_JAR=$ROOT/proxy/target/aim-proxy.jar
SIM=47280 SIDECAR=47281 NGINX=47282 HAPROXY=47283 ADMIN=47284 SIDECAR_GRPC=47285 REFUSE=47286
mkdir -p "$RUN/tmp"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  PIDS=()
}
trap cleanup EXIT

wait_http() { # url
  for _ in $(seq 1 200); do
    if curl -s -o /dev/null "$1"; then return 0; fi
    sleep 0.1
  done
  echo "no answer from $1" >&2
  exit 1
}

start_sim() { # model-sim flags...
  java -Xmx512m -jar "$SIM_JAR" --host 127.0.0.1 --http-port $SIM --grpc-port -1 "$@" >"$RUN/sim.log" 2>&1 &
  PIDS+=($!)
  wait_http "http://127.0.0.1:$SIM/sim/stats"
}

start_sidecar() { # yaml file
  java -Xmx512m -Dlogback.configurationFile="$ROOT/benchmarks/config/logback.xml" -jar "$PROXY_JAR" \
    --config "$1" >"$RUN/sidecar.log" 2>&1 &
  PIDS+=($!)
  wait_http "http://127.0.0.1:$ADMIN/health/live"
}

start_nginx() {
  (cd "$RUN" && exec nginx -p "$RUN" -c "$CONF/nginx.conf" >"$RUN/nginx.log" 2>&1) &
  PIDS+=($!)
  wait_http "http://127.0.0.1:$NGINX/sim/stats"
}

start_haproxy() { # slots
  SLOTS=$1 haproxy -f "$CONF/haproxy.cfg" >"$RUN/haproxy.log" 2>&1 &
  PIDS+=($!)
  wait_http "http://127.0.0.1:$HAPROXY/sim/stats"
}

sidecar_yaml() { # file admission-yaml (indented two spaces)
  cat >"$1" <<YAML
http: {bind: 127.0.0.1, port: $SIDECAR}
grpc: {bind: 127.0.0.1, port: $SIDECAR_GRPC}
admin: {bind: 127.0.0.1, port: $ADMIN}
upstream: {http: "http://127.0.0.1:$SIM"}
gpuSource: none
models:
  demo: ${MODEL:-"{}"}
admission:
$2
YAML
}

# run_target NAME PORT LOADARGS... : REPS measured runs, each after WARM seconds of the same load
# in the same JVM (not counted), so neither the client nor the servers start cold.
run_target() {
  local name=$1 port=$2
  shift 2
  for r in $(seq 1 "$REPS"); do
    $BENCH load --target "http://127.0.0.1:$port" --label "$name" --duration "$DUR" --seed "$r" --warmup "$WARM" \
      --json "$RUN/$SCEN-$name-$r.json" --png "$RUN/$SCEN-$name-$r-timeline.png" "$@" | tee "$RUN/$SCEN-$name-$r.txt"
  done
}

# One target at a time, each with a fresh model-sim, so no backlog carries over.
with_sidecar() { # name yaml-admission sim-flags -- load-args
  local name=$1 adm=$2
  shift 2
  local sim=()
  while [[ $1 != -- ]]; do sim+=("$1"); shift; done
  shift
  start_sim "${sim[@]}"
  sidecar_yaml "$RUN/$SCEN-$name.yaml" "$adm"
  start_sidecar "$RUN/$SCEN-$name.yaml"
  run_target "$name" $SIDECAR "$@"
  # The sidecar's own counters (sheds by reason, engine scrapes) as they stand after the run.
  curl -s -o "$RUN/$SCEN-$name.metrics" "http://127.0.0.1:$ADMIN/metrics" || true
  # model-sim's counters (completed, preempted, priorities it was told).
  curl -s -o "$RUN/$SCEN-$name.simstats" "http://127.0.0.1:$SIM/sim/stats" || true
  cleanup
}
with_nginx() { # sim-flags -- load-args
  local sim=()
  while [[ $1 != -- ]]; do sim+=("$1"); shift; done
  shift
  start_sim "${sim[@]}"; start_nginx
  run_target nginx $NGINX "$@"
  cleanup
}
with_haproxy() { # slots sim-flags -- load-args
  local slots=$1; shift
  local sim=()
  while [[ $1 != -- ]]; do sim+=("$1"); shift; done
  shift
  start_sim "${sim[@]}"; start_haproxy "$slots"
  run_target haproxy $HAPROXY "$@"
  cleanup
}
with_direct() { # sim-flags -- load-args
  local sim=()
  while [[ $1 != -- ]]; do sim+=("$1"); shift; done
  shift
  start_sim "${sim[@]}"
  run_target direct $SIM "$@"
  cleanup
}
plot() { # title png json...
  local title=$1 png=$2
  shift 2
  $BENCH load-plot --title "$title" --out "$png" "$@"
}

# The sidecar's admission section in 'overload' and 'overload-preempt' (8 permits, model-sim's slots).
OVERLOAD_ADMISSION="  maxInflight: 8
  priorities:
    high: {maxQueue: 512, maxQueueWaitMs: 5000}
    medium: {maxQueue: 32, maxQueueWaitMs: 1000}
    low: {maxQueue: 8, maxQueueWaitMs: 500}"

for SCEN in "$@"; do
  echo "=== $SCEN ($(date -u +%H:%M:%S), load average $(cut -d' ' -f1-3 /proc/loadavg))"
  case $SCEN in
    overload)
      # 8 slots x 100 ms = 80 rps capacity, offered 240 rps (3x), mix 10/30/60. (8 x 50 ms at
      # 480 rps left the JVMs CPU-starved on a shared 2-core machine; see docs/benchmarks.md.)
      SIMF=(--slots 8 --service-ms 100 --max-queue 1024)
      LOAD=(--rate 240 --mix 10,30,60)
      with_sidecar sidecar "$OVERLOAD_ADMISSION" "${SIMF[@]}" -- "${LOAD[@]}" --probe 20:low
      with_nginx "${SIMF[@]}" -- "${LOAD[@]}"
      with_haproxy 8 "${SIMF[@]}" -- "${LOAD[@]}"
      with_direct "${SIMF[@]}" -- "${LOAD[@]}"
      # Unloaded reference for HIGH: 20 % of capacity, direct.
      SCEN=overload-unloaded with_direct "${SIMF[@]}" -- --rate 16 --mix 10,30,60
      plot "3x overload, 8 slots x 100 ms" "$RUN/overload-latency.png" "$RUN"/overload-{sidecar,nginx,haproxy,direct}-1.json
      ;;
    overload-preempt)
      # The 'overload' load against an engine that schedules by priority and preempts (model-sim
      # --scheduling-policy priority, as vLLM's priority scheduling): 8 slots x (92 ms + 16 prompt
      # tokens x 0.5 ms prefill) = 100 ms, and a preempted request pays its prefill again. The
      # sidecar propagates the class (OpenAI 'priority' 0/1/2) and, with highOvercommit, lets HIGH
      # past a full limit so the engine can run it in place of a LOW; without it, the same engine
      # never sees more than 8 requests and HIGH waits for a slot as in 'overload'.
      SIMF=(--slots 8 --service-ms 92 --prefill-us-per-token 500 --max-queue 1024 --scheduling-policy priority)
      LOAD=(--rate 240 --mix 10,30,60)
      MODEL="{propagation: {enabled: true}, admission: {highOvercommit: 8}}" \
        with_sidecar sidecar-overcommit "$OVERLOAD_ADMISSION" "${SIMF[@]}" -- "${LOAD[@]}" --probe 20:low
      # The same, but HIGH first waits up to OVERCOMMIT_AFTER ms for a slot to free (a permit under
      # the limit, or the place of a request beyond it that ends):
      # most find one, and only the rest cost a preemption.
      for AFTER in ${OVERCOMMIT_AFTER:-10 15}; do
        MODEL="{propagation: {enabled: true}, admission: {highOvercommit: 8, highOvercommitAfterMs: $AFTER}}" \
          with_sidecar sidecar-overcommit-after-$AFTER "$OVERLOAD_ADMISSION" "${SIMF[@]}" -- "${LOAD[@]}" --probe 20:low
      done
      MODEL="{propagation: {enabled: true}}" \
        with_sidecar sidecar-limit "$OVERLOAD_ADMISSION" "${SIMF[@]}" -- "${LOAD[@]}" --probe 20:low
      SCEN=overload-preempt-unloaded with_direct "${SIMF[@]}" -- --rate 16 --mix 10,30,60
      plot "3x overload, 8 slots x 100 ms, engine preempting by priority" "$RUN/overload-preempt-latency.png" \
        "$RUN"/overload-preempt-{sidecar-overcommit,sidecar-limit}-1.json "$RUN"/overload-preempt-sidecar-overcommit-after-*-1.json \
        "$RUN"/overload-preempt-unloaded-direct-1.json
      ;;
    overload-wide)
      # The same 80 rps capacity and 3x offered load as 'overload', with 32 slots of 400 ms: an
      # engine batching 32 sequences at a time, closer to an LLM server than 8 x 100 ms. A HIGH
      # request then waits for the first of 32 slots to free instead of the first of 8.
      SIMF=(--slots 32 --service-ms 400 --max-queue 1024)
      LOAD=(--rate 240 --mix 10,30,60)
      with_sidecar sidecar "  maxInflight: 32
  priorities:
    high: {maxQueue: 512, maxQueueWaitMs: 5000}
    medium: {maxQueue: 64, maxQueueWaitMs: 1000}
    low: {maxQueue: 16, maxQueueWaitMs: 500}" "${SIMF[@]}" -- "${LOAD[@]}"
      with_nginx "${SIMF[@]}" -- "${LOAD[@]}"
      with_direct "${SIMF[@]}" -- "${LOAD[@]}"
      SCEN=overload-wide-unloaded with_direct "${SIMF[@]}" -- --rate 16 --mix 10,30,60
      plot "3x overload, 32 slots x 400 ms" "$RUN/overload-wide-latency.png" "$RUN"/overload-wide-{sidecar,nginx,direct}-1.json
      # Constant service times keep the 32 slots completing in lockstep (a request that starts
      # when another ends ends when the next one does), so a HIGH request may wait most of a
      # service time for a slot. Service times that vary per request, as generation lengths do,
      # break the lockstep: the same load with lognormal service times (sigma 0.5, same mean),
      # against its own unloaded reference.
      SIMF=(--slots 32 --service-ms 400 --service-dist lognormal --max-queue 1024)
      SCEN=overload-wide-lognormal with_sidecar sidecar "  maxInflight: 32
  priorities:
    high: {maxQueue: 512, maxQueueWaitMs: 5000}
    medium: {maxQueue: 64, maxQueueWaitMs: 1000}
    low: {maxQueue: 16, maxQueueWaitMs: 500}" "${SIMF[@]}" -- "${LOAD[@]}"
      SCEN=overload-wide-lognormal-unloaded with_direct "${SIMF[@]}" -- --rate 16 --mix 10,30,60
      ;;
    reserve)
      # 10 slots x 500 ms = 20 rps. Every 3 s a burst of 30 LOW arrives at once: it fills all of
      # model-sim's slots (and queues 20 more) right before HIGH arrivals: 2 HIGH 50 ms after each
      # burst, plus HIGH Poisson at 3/s. Feature off (reservedHighShare 0) vs on (0.2 = 2 slots
      # only HIGH may use), and nginx (FIFO in model-sim's queue). A service time well above the
      # machine's scheduling noise keeps the difference (one LOW service time) measurable.
      SIMF=(--slots 10 --service-ms 500 --max-queue 1024)
      LOAD=(--rate 3 --mix 100,0,0 --burst 30:3000:low --burst 2:3000:high:50)
      for share in 0 0.2; do
        with_sidecar "sidecar-reserve-$share" "  maxInflight: 10
  reservedHighShare: $share
  priorities:
    high: {maxQueue: 512, maxQueueWaitMs: 5000}
    low: {maxQueue: 64, maxQueueWaitMs: 5000}" "${SIMF[@]}" -- "${LOAD[@]}"
      done
      with_nginx "${SIMF[@]}" -- "${LOAD[@]}"
      plot "LOW bursts before HIGH arrivals: reservedHighShare 0 vs 0.2" "$RUN/reserve-latency.png" \
        "$RUN"/reserve-{sidecar-reserve-0,sidecar-reserve-0.2,nginx}-1.json
      ;;
    tenants)
      # One class (MEDIUM); tenants 'short' (64-token prompts) and 'long' (640-token prompts) at
      # the same request rate. Prefill 300 us/token: 19 ms vs 192 ms on top of 10 ms; 8 slots
      # (capacity about 70 rps at this mix), offered 90 rps. WFQ on: the sidecar sees both tenant
      # keys (cost = body bytes / 4); off: no x-aim-tenant, so one bucket, FIFO within the class.
      SIMF=(--slots 8 --service-ms 10 --prefill-us-per-token 300 --max-queue 1024)
      LOAD=(--rate 90 --mix 0,100,0 --tenant short:1:64 --tenant long:1:640)
      ADM="  maxInflight: 8
  priorities:
    medium: {maxQueue: 128, maxQueueWaitMs: 2000}"
      with_sidecar sidecar-wfq "$ADM" "${SIMF[@]}" -- "${LOAD[@]}"
      with_sidecar sidecar-no-tenants "$ADM" "${SIMF[@]}" -- "${LOAD[@]}" --no-tenant-header
      with_nginx "${SIMF[@]}" -- "${LOAD[@]}"
      plot "Two tenants, 10x prompt length: WFQ on vs off" "$RUN/tenants-latency.png" \
        "$RUN"/tenants-{sidecar-wfq,sidecar-no-tenants,nginx}-1.json
      ;;
    engine)
      # KV cache of 10 240 tokens; every request holds 1024 + 256 tokens for its whole service
      # (20 ms + 256 x 0.5 ms = 148 ms), so 8 fit although model-sim has 16 slots: capacity about
      # 54 rps, offered 90 rps. The sidecar's maxInflight is the slot count (16), so without the
      # gauges up to 8 of its requests wait in model-sim's FIFO queue, HIGH among them. That queue
      # never reaches waitingHighWatermark (32): only the KV gauge shows the pressure. Engine
      # gauges off vs on (scraped from model-sim's /metrics every 100 ms; LOW stops above 0.8,
      # MEDIUM above 0.95; recovery 0.25 of the limit per 200 ms, about one service time, as the
      # default 1000 ms is for generations of seconds), and nginx (model-sim FIFO).
      SIMF=(--slots 16 --service-ms 20 --decode-ms-per-token 0.5 --kv-cache-tokens 10240 --max-queue 1024)
      LOAD=(--rate 90 --mix 10,30,60 --prompt-tokens 1024 --max-tokens 256)
      for on in false true; do
        with_sidecar "sidecar-engine-$on" "  maxInflight: 16
  priorities:
    high: {maxQueue: 512, maxQueueWaitMs: 5000}
    medium: {maxQueue: 64, maxQueueWaitMs: 1000}
    low: {maxQueue: 16, maxQueueWaitMs: 500}
  engine:
    enabled: $on
    metricsUrl: http://127.0.0.1:$SIM/metrics
    scrapeIntervalMs: 100
    kvHighWatermark: 0.8
    kvCriticalWatermark: 0.95
    recoveryIntervalMs: 200" "${SIMF[@]}" -- "${LOAD[@]}"
      done
      with_nginx "${SIMF[@]}" -- "${LOAD[@]}"
      plot "KV cache full before the queue: engine gauges off vs on" "$RUN/engine-latency.png" \
        "$RUN"/engine-{sidecar-engine-false,sidecar-engine-true,nginx}-1.json
      ;;
    shed-alone)
      # The refusal path with nothing else to do: model-sim's single slot is held for 60 s by one
      # HIGH request, the sidecar's limit is 1 and LOW may not queue, so every LOW probe is refused
      # on arrival (queue_full). The probe (200/s, one at a time) is the only traffic; the main
      # load is one HIGH request every 5 s, which queues.
      start_sim --slots 1 --service-ms 60000 --max-queue 16
      sidecar_yaml "$RUN/$SCEN-sidecar.yaml" "  maxInflight: 1
  priorities:
    low: {maxQueue: 0, maxQueueWaitMs: 500}"
      start_sidecar "$RUN/$SCEN-sidecar.yaml"
      curl -s -m 70 -o /dev/null -H 'x-aim-priority: high' -H 'x-aim-model: demo' -H 'content-type: application/json' \
        -d '{"model":"demo","prompt":"x","max_tokens":1}' "http://127.0.0.1:$SIDECAR/v1/completions" &
      PIDS+=($!)
      for _ in $(seq 1 100); do
        curl -s "http://127.0.0.1:$SIM/sim/stats" | grep -q '"inFlight":1' && break
        sleep 0.1
      done
      run_target sidecar $SIDECAR --rate 0.2 --mix 100,0,0 --probe 200:low
      curl -s -o "$RUN/$SCEN-sidecar.metrics" "http://127.0.0.1:$ADMIN/metrics" || true
      cleanup
      # The floor: the same probe against nginx answering every request with a 429 at once.
      (cd "$RUN" && exec nginx -p "$RUN" -c "$CONF/nginx-refuse.conf" >"$RUN/nginx-refuse.log" 2>&1) &
      PIDS+=($!)
      for _ in $(seq 1 100); do
        [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$REFUSE/") == 429 ]] && break
        sleep 0.1
      done
      run_target nginx-429 $REFUSE --rate 0.2 --mix 100,0,0 --probe 200:low
      cleanup
      ;;
    trace)
      # Azure conversation trace, arrivals replayed TRACE_SPEEDUP times faster; service time
      # 10 ms + 20 us per context token + 0.5 ms per generated token (mean about 140 ms), 8 slots.
      TR=${TRACE:-$ROOT/../shared/data/azure-llm-inference-2023-conv.csv}
      SIMF=(--slots 8 --service-ms 10 --prefill-us-per-token 20 --decode-ms-per-token 0.5 --max-queue 1024)
      LOAD=(--trace "$TR" --trace-speedup "${TRACE_SPEEDUP:-15}" --trace-token-cap 4096 --mix 10,30,60)
      WARM_SAVE=$WARM; WARM=2
      with_sidecar sidecar "  maxInflight: 8
  priorities:
    high: {maxQueue: 512, maxQueueWaitMs: 10000}
    medium: {maxQueue: 128, maxQueueWaitMs: 3000}
    low: {maxQueue: 64, maxQueueWaitMs: 2000}" "${SIMF[@]}" -- "${LOAD[@]}"
      with_nginx "${SIMF[@]}" -- "${LOAD[@]}"
      WARM=$WARM_SAVE
      plot "Azure conversation trace x${TRACE_SPEEDUP:-15}" "$RUN/trace-latency.png" "$RUN"/trace-{sidecar,nginx}-1.json
      ;;
    *) echo "unknown scenario $SCEN (expected: overload overload-wide reserve tenants engine trace)" >&2; exit 2 ;;
  esac
done
