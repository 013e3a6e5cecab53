/**
 * Priority propagation: the admission class passed on to the engine in its own terms (vLLM's
 * {@code priority} body field, Triton's {@code priority} request parameter over KServe v2 REST and
 * gRPC), per model and off by default. Pure byte and config logic; the HTTP and gRPC edges decide
 * when to apply it.
 */
package ai.aim.proxy.propagation;
