/**
 * The proxy-overhead comparison: the processes {@code benchmarks/scripts/overhead.sh} starts next
 * to nginx and HAProxy (a fast gRPC echo upstream, the gRPC pass-through on its own). Results in
 * {@code docs/benchmarks.md}, section "Proxy overhead".
 */
package ai.aim.bench.overhead;
