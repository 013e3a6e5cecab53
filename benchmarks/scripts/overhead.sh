#!/usr/bin/env bash
# Proxy overhead, side by side in one run: direct to a fast upstream, through the AIM sidecar,
# through nginx and through HAProxy, for HTTP/1.1 keep-alive and for gRPC (h2c).
#
# Core budget (taskset): every proxy under test runs alone on PROXY_CPU with one worker (nginx
# worker_processes 1, HAProxy nbthread 1, sidecar one event loop and -XX:ActiveProcessorCount=1);
# the upstreams and the load generator share UPSTREAM_CPU. Loopback only; every run is bounded by
# DURATION seconds. Results: a table on stdout and raw files in RUN_DIR.
#
# Needs: wrk, h2load (nghttp2-client), nginx (nginx-light), haproxy, taskset, a JDK, and
#   ./mvnw -B -pl benchmarks -am package -DskipTests   (benchmarks/target/aim-bench.jar)
# The sidecar is ai.aim.bench.overhead.SidecarRunner (the HTTP side and the gRPC pass-through on
# shared loops); SIDECAR_MODE=jar runs proxy/target/aim-proxy.jar instead, once its Main also
# starts the gRPC listener.
#
# Usage: benchmarks/scripts/overhead.sh            (from the project root)
#   env: DURATION=10 (seconds per run) ROUNDS=1 (each figure is the median over rounds, targets
#        taking turns, so a change in background load hits every target alike)
#        WARMUP=30 (seconds of load per target before anything is measured: the JVMs' JIT must
#        be done, which takes tens of seconds with one core)
#        UPSTREAM_CPU=0 PROXY_CPU=1 RUN_DIR=/tmp/aim-overhead
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CONF=$ROOT/benchmarks/config
RUN=${RUN_DIR:-/tmp/aim-overhead}
DUR=${DURATION:-10}
ROUNDS=${ROUNDS:-1}
WARM=${WARMUP:-30}
UP_CPU=${UPSTREAM_CPU:-0}
PX_CPU=${PROXY_CPU:-1}
BENCH_JAR=$ROOT/benchmarks/target/aim-bench.jar
SIDECAR_JAR=$ROOT/proxy/target/aim-proxy.jar
JVM_OPTS=(-XX:ActiveProcessorCount=1 -Xms256m -Xmx256m -XX:+UseParallelGC "-Dlogback.configurationFile=$CONF/logback.xml")
HTTP_CONNS=32        # max throughput (wrk)
GRPC_CONNS=8         # max throughput (h2load), with GRPC_STREAMS streams each
GRPC_STREAMS=16
# At a fixed rate, enough connections (HTTP/1.1: one request at a time each) or streams that a
# slow answer does not hold back the schedule: 256 connections at rate/256 each leave every
# request 14 ms at 18k req/s before the connection falls behind.
RATE_HTTP_CONNS=256
RATE_GRPC_CONNS=16
RATE_GRPC_STREAMS=32

rm -rf "$RUN"
mkdir -p "$RUN/tmp"
PORTS=(47180 47181 47182 47183 47190 47191 47192 47193 47199)
for p in "${PORTS[@]}"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
    echo "port $p is already in use (the configs in benchmarks/config use 47180-47199)" >&2
    exit 1
  fi
done
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT

wait_port() { # port
  for _ in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "port $1 did not open" >&2
  return 1
}

declare -A PID
start() { # cpu name command...   (taskset execs the command, so $! is its pid)
  local cpu=$1 name=$2
  shift 2
  taskset -c "$cpu" "$@" >"$RUN/$name.out" 2>&1 &
  PIDS+=($!)
  PID[$name]=$!
}

ticks() { # CPU clock ticks used so far by a process and its children (nginx workers)
  local total=0 p
  for p in $1 $(ps -o pid= --ppid "$1"); do
    total=$((total + $(awk '{ print $14 + $15 }' "/proc/$p/stat" 2>/dev/null || echo 0)))
  done
  echo "$total"
}
HZ=$(getconf CLK_TCK)

# ---- upstreams (UPSTREAM_CPU) ----
start "$UP_CPU" nginx-upstream nginx -p "$RUN" -c "$CONF/nginx-upstream.conf"
start "$UP_CPU" grpc-echo java "${JVM_OPTS[@]}" -cp "$BENCH_JAR" ai.aim.bench.overhead.GrpcEchoServer 47190 1
wait_port 47180
wait_port 47190

# ---- proxies under test (PROXY_CPU, one worker each) ----
start "$PX_CPU" nginx-proxy nginx -p "$RUN" -c "$CONF/nginx.conf"
start "$PX_CPU" haproxy haproxy -db -f "$CONF/haproxy.cfg"
SIDECAR_HTTP=no
if [[ ${SIDECAR_MODE:-runner} == jar ]]; then
  SIDECAR_HTTP=yes
  start "$PX_CPU" sidecar java "${JVM_OPTS[@]}" -jar "$SIDECAR_JAR" \
    --http-port 47183 --grpc-port 47193 --admin-port 47199 --event-loops 1 \
    --upstream-http http://127.0.0.1:47180 --upstream-grpc 127.0.0.1:47190 --gpu-source none
else
  # No sidecar command line yet: the same parts (HTTP side and gRPC pass-through on shared loops)
  # composed by ai.aim.bench.overhead.SidecarRunner.
  SIDECAR_HTTP=yes
  start "$PX_CPU" sidecar java "${JVM_OPTS[@]}" -cp "$BENCH_JAR" ai.aim.bench.overhead.SidecarRunner \
    47183 47193 47199 http://127.0.0.1:47180 127.0.0.1:47190 1
fi
for p in 47181 47182 47191 47192 47193; do wait_port "$p"; done
[[ $SIDECAR_HTTP == yes ]] && wait_port 47183

HTTP_TARGETS=("direct:47180" "nginx:47181" "haproxy:47182")
[[ $SIDECAR_HTTP == yes ]] && HTTP_TARGETS+=("sidecar:47183")
GRPC_TARGETS=("direct:47190" "nginx:47191" "haproxy:47192" "sidecar:47193")
# Whose CPU time a target's run is charged to: the upstream for direct, else the proxy.
declare -A HTTP_PID=([direct]=${PID[nginx-upstream]} [nginx]=${PID[nginx-proxy]} [haproxy]=${PID[haproxy]})
declare -A GRPC_PID=([direct]=${PID[grpc-echo]} [nginx]=${PID[nginx-proxy]} [haproxy]=${PID[haproxy]})
HTTP_PID[sidecar]=${PID[sidecar]}
GRPC_PID[sidecar]=${PID[sidecar]}

# One gRPC request: a KServe v2 ModelInferRequest with model_name "bench" (field 1), framed as
# one uncompressed gRPC message (flag 0, 4-byte big-endian length).
printf '\x00\x00\x00\x00\x07\x0a\x05bench' >"$RUN/request.grpc"
GRPC_ARGS=(-d "$RUN/request.grpc" -H 'content-type: application/grpc' -H 'te: trailers')
GRPC_PATH=/inference.GRPCInferenceService/ModelInfer

percentiles() { # h2load log (start, status, elapsed us) -> "p50_us p99_us count non2xx"
  local bad
  bad=$(awk '$2 < 200 || $2 > 299 { n++ } END { print n + 0 }' "$1")
  awk '{ print $3 }' "$1" | sort -n |
    awk -v bad="$bad" '{ a[NR] = $1 } END { printf "%d %d %d %d\n", a[int(NR * 0.50) + 1], a[int(NR * 0.99) + 1], NR, bad }'
}

# JIT and connection pools warm up before anything is measured, the same for every target.
echo "warming up ..." >&2
for t in "${HTTP_TARGETS[@]}"; do
  taskset -c "$UP_CPU" wrk -t1 -c"$HTTP_CONNS" -d"${WARM}s" "http://127.0.0.1:${t#*:}/" >/dev/null
done
for t in "${GRPC_TARGETS[@]}"; do
  taskset -c "$UP_CPU" h2load -c"$GRPC_CONNS" -m"$GRPC_STREAMS" -D "$WARM" "${GRPC_ARGS[@]}" \
    "http://127.0.0.1:${t#*:}$GRPC_PATH" >/dev/null
done

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

declare -A HTTP_CPU GRPC_CPU HTTP_MAX GRPC_MAX HTTP_P50 HTTP_P99 HTTP_N GRPC_P50 GRPC_P99 GRPC_N
for r in $(seq 1 "$ROUNDS"); do
  echo "== round $r: HTTP/1.1 max throughput: wrk -t1 -c$HTTP_CONNS -d${DUR}s --latency" >&2
  for t in "${HTTP_TARGETS[@]}"; do
    name=${t%%:*}
    out=$RUN/http-max-$name-$r.txt
    t0=$(ticks "${HTTP_PID[$name]}")
    taskset -c "$UP_CPU" wrk -t1 -c"$HTTP_CONNS" -d"${DUR}s" --latency "http://127.0.0.1:${t#*:}/" >"$out"
    t1=$(ticks "${HTTP_PID[$name]}")
    v=$(awk '/Requests\/sec/ { printf "%d", $2 }' "$out")
    n=$(awk '/requests in/ { print $1 }' "$out")
    cpu=$(( (t1 - t0) * 1000000 / HZ / (n + 1) ))
    HTTP_MAX[$name]="${HTTP_MAX[$name]:-} $v"
    HTTP_CPU[$name]="${HTTP_CPU[$name]:-} $cpu"
    echo "$name $v req/s, $cpu us CPU per request" >&2
  done
  echo "== round $r: gRPC max throughput: h2load -c$GRPC_CONNS -m$GRPC_STREAMS -D $DUR" >&2
  for t in "${GRPC_TARGETS[@]}"; do
    name=${t%%:*}
    out=$RUN/grpc-max-$name-$r.txt
    t0=$(ticks "${GRPC_PID[$name]}")
    taskset -c "$UP_CPU" h2load -c"$GRPC_CONNS" -m"$GRPC_STREAMS" -D "$DUR" "${GRPC_ARGS[@]}" \
      "http://127.0.0.1:${t#*:}$GRPC_PATH" >"$out"
    t1=$(ticks "${GRPC_PID[$name]}")
    v=$(awk '/^finished in/ { gsub(",", "", $4); printf "%d", $4 }' "$out")
    n=$(awk '/^requests:/ { print $8 }' "$out")
    cpu=$(( (t1 - t0) * 1000000 / HZ / (n + 1) ))
    GRPC_MAX[$name]="${GRPC_MAX[$name]:-} $v"
    GRPC_CPU[$name]="${GRPC_CPU[$name]:-} $cpu"
    echo "$name $v req/s, $n succeeded, $cpu us CPU per request" >&2
  done
done
for k in "${!HTTP_MAX[@]}"; do HTTP_MAX[$k]=$(echo "${HTTP_MAX[$k]}" | median); done
for k in "${!GRPC_MAX[@]}"; do GRPC_MAX[$k]=$(echo "${GRPC_MAX[$k]}" | median); done
for k in "${!HTTP_CPU[@]}"; do HTTP_CPU[$k]=$(echo "${HTTP_CPU[$k]}" | median); done
for k in "${!GRPC_CPU[@]}"; do GRPC_CPU[$k]=$(echo "${GRPC_CPU[$k]}" | median); done

# Fixed rate = half of nginx's max, spread over the connections (h2load --rps is per client).
HTTP_RATE=$((HTTP_MAX[nginx] / 2))
GRPC_RATE=$((GRPC_MAX[nginx] / 2))
HTTP_PER_CONN=$(((HTTP_RATE + RATE_HTTP_CONNS - 1) / RATE_HTTP_CONNS))
GRPC_PER_CONN=$(((GRPC_RATE + RATE_GRPC_CONNS - 1) / RATE_GRPC_CONNS))

for r in $(seq 1 "$ROUNDS"); do
  echo "== round $r: HTTP/1.1 at $((HTTP_PER_CONN * RATE_HTTP_CONNS)) req/s: h2load --h1 -c$RATE_HTTP_CONNS --rps $HTTP_PER_CONN -D $DUR" >&2
  for t in "${HTTP_TARGETS[@]}"; do
    name=${t%%:*}
    log=$RUN/http-rate-$name-$r.log
    taskset -c "$UP_CPU" h2load --h1 -c"$RATE_HTTP_CONNS" --rps "$HTTP_PER_CONN" -D "$DUR" --warm-up-time 1 \
      --log-file "$log" "http://127.0.0.1:${t#*:}/" >"${log%.log}.txt"
    read -r p50 p99 n bad <<<"$(percentiles "$log")"
    HTTP_P50[$name]="${HTTP_P50[$name]:-} $p50"; HTTP_P99[$name]="${HTTP_P99[$name]:-} $p99"
    HTTP_N[$name]="${HTTP_N[$name]:-} $n/$bad"
    echo "$name p50 $p50 us, p99 $p99 us, $n requests, $bad non-2xx" >&2
  done
  echo "== round $r: gRPC at $((GRPC_PER_CONN * RATE_GRPC_CONNS)) req/s: h2load -c$RATE_GRPC_CONNS -m$RATE_GRPC_STREAMS --rps $GRPC_PER_CONN -D $DUR" >&2
  for t in "${GRPC_TARGETS[@]}"; do
    name=${t%%:*}
    log=$RUN/grpc-rate-$name-$r.log
    taskset -c "$UP_CPU" h2load -c"$RATE_GRPC_CONNS" -m"$RATE_GRPC_STREAMS" --rps "$GRPC_PER_CONN" -D "$DUR" --warm-up-time 1 \
      "${GRPC_ARGS[@]}" --log-file "$log" "http://127.0.0.1:${t#*:}$GRPC_PATH" >"${log%.log}.txt"
    read -r p50 p99 n bad <<<"$(percentiles "$log")"
    GRPC_P50[$name]="${GRPC_P50[$name]:-} $p50"; GRPC_P99[$name]="${GRPC_P99[$name]:-} $p99"
    GRPC_N[$name]="${GRPC_N[$name]:-} $n/$bad"
    echo "$name p50 $p50 us, p99 $p99 us, $n requests, $bad non-2xx" >&2
  done
done

echo
echo "| protocol | target | max req/s | CPU us/req at max | p50 at fixed rate | p99 at fixed rate | requests/non-2xx per round |"
echo "| --- | --- | ---: | ---: | ---: | ---: | --- |"
for t in "${HTTP_TARGETS[@]}"; do
  name=${t%%:*}
  echo "| HTTP/1.1 @ $((HTTP_PER_CONN * RATE_HTTP_CONNS))/s | $name | ${HTTP_MAX[$name]} | ${HTTP_CPU[$name]} | $(echo "${HTTP_P50[$name]}" | median) us | $(echo "${HTTP_P99[$name]}" | median) us |${HTTP_N[$name]} |"
done
for t in "${GRPC_TARGETS[@]}"; do
  name=${t%%:*}
  echo "| gRPC @ $((GRPC_PER_CONN * RATE_GRPC_CONNS))/s | $name | ${GRPC_MAX[$name]} | ${GRPC_CPU[$name]} | $(echo "${GRPC_P50[$name]}" | median) us | $(echo "${GRPC_P99[$name]}" | median) us |${GRPC_N[$name]} |"
done
echo
echo "medians over $ROUNDS round(s) of ${DUR} s; sidecar HTTP measured: $SIDECAR_HTTP; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
