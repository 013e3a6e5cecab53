package ai.aim.proxy.propagation;

/**
 * Whether and how one model's requests carry their admission class to the engine. Immutable.
 *
 * @param enabled off by default: an engine started without priority scheduling refuses a
 *     non-default priority (vLLM answers 400), so the operator opts in per model
 * @param maxBodyBytes largest JSON body (by {@code Content-Length}) that is held and rewritten;
 *     larger bodies, and bodies without a {@code Content-Length}, are streamed unchanged
 * @param openAi values written to the {@code priority} field of OpenAI-compatible bodies (vLLM)
 * @param kserve values written to {@code parameters.priority} of KServe v2 requests, REST and gRPC
 *     (Triton's schedule-policy convention)
 */
public record PropagationPolicy(
    boolean enabled, int maxBodyBytes, PriorityNumbers openAi, PriorityNumbers kserve) {

  /** The default bound on rewritten bodies: 64 KiB. */
  public static final int DEFAULT_MAX_BODY_BYTES = 64 * 1024;

  /** Nothing propagated. */
  public static final PropagationPolicy OFF =
      new PropagationPolicy(false, DEFAULT_MAX_BODY_BYTES, PriorityNumbers.VLLM, PriorityNumbers.TRITON);

  public PropagationPolicy {
    if (maxBodyBytes < 0) {
      throw new IllegalArgumentException("maxBodyBytes: " + maxBodyBytes + " (expected: >= 0)");
    }
    java.util.Objects.requireNonNull(openAi, "openAi");
    java.util.Objects.requireNonNull(kserve, "kserve");
  }
}
