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
# The sidecar's HTTP side is measured when proxy/target/aim-proxy.jar runs; otherwise only its
# gRPC pass-through is (started through its builder by ai.aim.bench.overhead.GrpcProxyRunner).
#
# Usage: benchmarks/scripts/overhead.sh            (from the project root)
#   env: DURATION=10 UPSTREAM_CPU=0 PROXY_CPU=1 RUN_DIR=/tmp/aim-overhead
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CONF=$ROOT/benchmarks/config
RUN=${RUN_DIR:-/tmp/aim-overhead}
DUR=${DURATION:-10}
UP_CPU=${UPSTREAM_CPU:-0}
PX_CPU=${PROXY_CPU:-1}
BENCH_JAR=$ROOT/benchmarks/target/aim-bench.jar
SIDECAR_JAR=$ROOT/proxy/target/aim-proxy.jar
JVM_OPTS=(-XX:ActiveProcessorCount=1 -Xms256m -Xmx256m -XX:+UseParallelGC)
HTTP_CONNS=32
GRPC_CONNS=8
GRPC_STREAMS=16

mkdir -p "$RUN/tmp"
rm -f "$RUN"/*.log "$RUN"/*.out
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

start() { # cpu name command...
  local cpu=$1 name=$2
  shift 2
  taskset -c "$cpu" "$@" >"$RUN/$name.out" 2>&1 &
  PIDS+=($!)
}

# ---- upstreams (UPSTREAM_CPU) ----
start "$UP_CPU" nginx-upstream nginx -p "$RUN" -c "$CONF/nginx-upstream.conf"
start "$UP_CPU" grpc-echo java "${JVM_OPTS[@]}" -cp "$BENCH_JAR" ai.aim.bench.overhead.GrpcEchoServer 19080 1
wait_port 18080
wait_port 19080

# ---- proxies under test (PROXY_CPU, one worker each) ----
start "$PX_CPU" nginx-proxy nginx -p "$RUN" -c "$CONF/nginx.conf"
start "$PX_CPU" haproxy haproxy -db -f "$CONF/haproxy.cfg"
SIDECAR_HTTP=no
if [[ -f $SIDECAR_JAR ]] && java -jar "$SIDECAR_JAR" --help 2>/dev/null | grep -q -- --http-port; then
  SIDECAR_HTTP=yes
  start "$PX_CPU" sidecar java "${JVM_OPTS[@]}" -jar "$SIDECAR_JAR" \
    --http-port 18083 --grpc-port 19083 --admin-port 18093 --event-loops 1 \
    --upstream-http http://127.0.0.1:18080 --upstream-grpc 127.0.0.1:19080 --gpu-source none
else
  start "$PX_CPU" sidecar-grpc java "${JVM_OPTS[@]}" -cp "$BENCH_JAR" \
    ai.aim.bench.overhead.GrpcProxyRunner 19083 127.0.0.1:19080 1
fi
for p in 18081 18082 19081 19082 19083; do wait_port "$p"; done
[[ $SIDECAR_HTTP == yes ]] && wait_port 18083

HTTP_TARGETS=("direct:18080" "nginx:18081" "haproxy:18082")
[[ $SIDECAR_HTTP == yes ]] && HTTP_TARGETS+=("sidecar:18083")
GRPC_TARGETS=("direct:19080" "nginx:19081" "haproxy:19082" "sidecar:19083")

# One gRPC request: a KServe v2 ModelInferRequest with model_name "bench" (field 1), framed as
# one uncompressed gRPC message (flag 0, 4-byte big-endian length).
printf '\x00\x00\x00\x00\x07\x0a\x05bench' >"$RUN/request.grpc"
GRPC_ARGS=(-d "$RUN/request.grpc" -H 'content-type: application/grpc' -H 'te: trailers')
GRPC_PATH=/inference.GRPCInferenceService/ModelInfer

percentiles() { # h2load log -> "p50_us p99_us count non2xx"
  awk '{ if ($2 < 200 || $2 > 299) bad++; print $3 } END { print "BAD", bad + 0 > "/dev/stderr" }' "$1" 2>"$1.bad" |
    sort -n | awk -v bad="$(awk '{print $2}' "$1.bad")" \
      '{ a[NR] = $1 } END { printf "%d %d %d %d\n", a[int(NR * 0.50) + 1], a[int(NR * 0.99) + 1], NR, bad }'
}

# JIT and connection pools warm up before anything is measured, the same for every target.
echo "warming up ..." >&2
for t in "${HTTP_TARGETS[@]}"; do
  taskset -c "$UP_CPU" wrk -t1 -c"$HTTP_CONNS" -d5s "http://127.0.0.1:${t#*:}/" >/dev/null
done
for t in "${GRPC_TARGETS[@]}"; do
  taskset -c "$UP_CPU" h2load -c"$GRPC_CONNS" -m"$GRPC_STREAMS" -D 5 "${GRPC_ARGS[@]}" \
    "http://127.0.0.1:${t#*:}$GRPC_PATH" >/dev/null
done

declare -A HTTP_MAX GRPC_MAX
echo "== HTTP/1.1 max throughput: wrk -t1 -c$HTTP_CONNS -d${DUR}s --latency" >&2
for t in "${HTTP_TARGETS[@]}"; do
  name=${t%%:*}
  taskset -c "$UP_CPU" wrk -t1 -c"$HTTP_CONNS" -d"${DUR}s" --latency "http://127.0.0.1:${t#*:}/" >"$RUN/http-max-$name.txt"
  HTTP_MAX[$name]=$(awk '/Requests\/sec/ { printf "%d", $2 }' "$RUN/http-max-$name.txt")
  echo "$name ${HTTP_MAX[$name]} req/s" >&2
done

echo "== gRPC max throughput: h2load -c$GRPC_CONNS -m$GRPC_STREAMS -D $DUR" >&2
for t in "${GRPC_TARGETS[@]}"; do
  name=${t%%:*}
  taskset -c "$UP_CPU" h2load -c"$GRPC_CONNS" -m"$GRPC_STREAMS" -D "$DUR" --warm-up-time 1 "${GRPC_ARGS[@]}" \
    "http://127.0.0.1:${t#*:}$GRPC_PATH" >"$RUN/grpc-max-$name.txt"
  GRPC_MAX[$name]=$(awk '/^finished in/ { gsub(",", "", $4); printf "%d", $4 }' "$RUN/grpc-max-$name.txt")
  echo "$name ${GRPC_MAX[$name]} req/s ($(grep -o '[0-9]* succeeded' "$RUN/grpc-max-$name.txt"))" >&2
done

# Fixed rate = half of nginx's max, spread over the connections (h2load --rps is per client).
HTTP_RATE=$((HTTP_MAX[nginx] / 2))
GRPC_RATE=$((GRPC_MAX[nginx] / 2))
HTTP_PER_CONN=$(((HTTP_RATE + HTTP_CONNS - 1) / HTTP_CONNS))
GRPC_PER_CONN=$(((GRPC_RATE + GRPC_CONNS * 2 - 1) / (GRPC_CONNS * 2)))

echo "== HTTP/1.1 at $((HTTP_PER_CONN * HTTP_CONNS)) req/s: h2load --h1 -c$HTTP_CONNS --rps $HTTP_PER_CONN -D $DUR" >&2
declare -A HTTP_LAT GRPC_LAT
for t in "${HTTP_TARGETS[@]}"; do
  name=${t%%:*}
  taskset -c "$UP_CPU" h2load --h1 -c"$HTTP_CONNS" --rps "$HTTP_PER_CONN" -D "$DUR" --warm-up-time 1 \
    --log-file "$RUN/http-rate-$name.log" "http://127.0.0.1:${t#*:}/" >"$RUN/http-rate-$name.txt"
  HTTP_LAT[$name]=$(percentiles "$RUN/http-rate-$name.log")
  echo "$name p50/p99 us, n, non-2xx: ${HTTP_LAT[$name]}" >&2
done

echo "== gRPC at $((GRPC_PER_CONN * GRPC_CONNS * 2)) req/s: h2load -c$((GRPC_CONNS * 2)) --rps $GRPC_PER_CONN -D $DUR" >&2
for t in "${GRPC_TARGETS[@]}"; do
  name=${t%%:*}
  taskset -c "$UP_CPU" h2load -c"$((GRPC_CONNS * 2))" --rps "$GRPC_PER_CONN" -D "$DUR" --warm-up-time 1 \
    "${GRPC_ARGS[@]}" --log-file "$RUN/grpc-rate-$name.log" "http://127.0.0.1:${t#*:}$GRPC_PATH" \
    >"$RUN/grpc-rate-$name.txt"
  GRPC_LAT[$name]=$(percentiles "$RUN/grpc-rate-$name.log")
  echo "$name p50/p99 us, n, non-2xx: ${GRPC_LAT[$name]}" >&2
done

echo
echo "| protocol | target | max req/s | p50 at fixed rate | p99 at fixed rate | requests at fixed rate |"
echo "| --- | --- | ---: | ---: | ---: | ---: |"
for t in "${HTTP_TARGETS[@]}"; do
  name=${t%%:*}
  read -r p50 p99 n bad <<<"${HTTP_LAT[$name]}"
  echo "| HTTP/1.1 @ $((HTTP_PER_CONN * HTTP_CONNS))/s | $name | ${HTTP_MAX[$name]} | ${p50} us | ${p99} us | $n ($bad non-2xx) |"
done
for t in "${GRPC_TARGETS[@]}"; do
  name=${t%%:*}
  read -r p50 p99 n bad <<<"${GRPC_LAT[$name]}"
  echo "| gRPC @ $((GRPC_PER_CONN * GRPC_CONNS * 2))/s | $name | ${GRPC_MAX[$name]} | ${p50} us | ${p99} us | $n ($bad non-2xx) |"
done
echo
echo "sidecar HTTP measured: $SIDECAR_HTTP; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
