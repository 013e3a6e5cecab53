package ai.aim.proxy.http;

/**
 * Which inference API a request speaks, recognised from its path. Immutable; safe on any thread.
 */
public enum ApiKind {
  /** KServe v2 / Open Inference Protocol: {@code /v2/models/{model}/...}. */
  KSERVE_V2,
  /** KServe v1 / TensorFlow Serving style: {@code /v1/models/{model}:predict}. */
  KSERVE_V1,
  /** OpenAI-compatible: {@code /v1/chat/completions}, {@code /v1/completions}, ... */
  OPENAI,
  /** Anything else (health, metadata of the server itself, custom routes). */
  OTHER
}
