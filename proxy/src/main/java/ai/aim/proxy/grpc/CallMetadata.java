package ai.aim.proxy.grpc;

import ai.aim.proxy.admission.Priority;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import io.grpc.Metadata;
import java.io.IOException;
import java.util.List;

/**
 * The metadata the proxy reads ({@code x-aim-*}), the metadata it does not forward (hop-specific
 * keys that each HTTP/2 hop sets for itself), and the cheap model lookup in a KServe v2 inference
 * request. Stateless.
 */
final class CallMetadata {

  static final Metadata.Key<String> PRIORITY = key("x-aim-priority");
  static final Metadata.Key<String> DEADLINE_MS = key("x-aim-deadline-ms");
  static final Metadata.Key<String> TENANT = key("x-aim-tenant");
  static final Metadata.Key<String> MODEL = key("x-aim-model");

  /**
   * Keys each hop sets itself: the transport writes content-type, te, user-agent and the timeout
   * from the call's own deadline; the grpc-java call layer sets the encodings; grpc-status and
   * grpc-message are rebuilt from the Status. HTTP/1 connection headers never get this far: the
   * HTTP/2 codec refuses them.
   */
  private static final List<Metadata.Key<String>> HOP_KEYS =
      List.of(
          key("content-type"),
          key("te"),
          key("user-agent"),
          key("grpc-timeout"),
          key("grpc-encoding"),
          key("grpc-accept-encoding"),
          key("grpc-status"),
          key("grpc-message"));

  /** KServe v2: {@code ModelInferRequest.model_name} is field 1, a string. */
  private static final int MODEL_NAME_TAG = (1 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED;

  private CallMetadata() {}

  private static Metadata.Key<String> key(String name) {
    return Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER);
  }

  /** A copy of {@code in} without the hop-specific keys. */
  static Metadata forwardable(Metadata in) {
    Metadata out = new Metadata();
    out.merge(in);
    for (Metadata.Key<String> k : HOP_KEYS) {
      out.discardAll(k);
    }
    return out;
  }

  /**
   * Parses {@code x-aim-priority}.
   *
   * @return the priority, or {@code null} when absent
   * @throws BadMetadataException naming the key and what was expected
   */
  static Priority priority(Metadata headers) {
    String raw = headers.get(PRIORITY);
    if (raw == null) {
      return null;
    }
    Priority p = Priority.parseOrNull(raw);
    if (p == null) {
      throw new BadMetadataException(
          PRIORITY.name() + ": '" + clip(raw) + "' (expected: high|medium|low)");
    }
    return p;
  }

  /**
   * Parses {@code x-aim-deadline-ms}: the time the client allows from arrival, in milliseconds.
   *
   * @return the value in nanoseconds, or {@code -1} when absent
   * @throws BadMetadataException naming the key and what was expected
   */
  static long deadlineNanos(Metadata headers) {
    String raw = headers.get(DEADLINE_MS);
    if (raw == null) {
      return -1;
    }
    long ms;
    try {
      ms = Long.parseLong(raw.trim());
    } catch (NumberFormatException e) {
      ms = -1;
    }
    if (ms <= 0 || ms > 86_400_000L) {
      throw new BadMetadataException(
          DEADLINE_MS.name()
              + ": '"
              + clip(raw)
              + "' (expected: an integer number of milliseconds in 1..86400000)");
    }
    return ms * 1_000_000L;
  }

  /** {@code x-aim-tenant}, or {@code null}. */
  static String tenant(Metadata headers) {
    return headers.get(TENANT);
  }

  /** {@code x-aim-model}, or {@code null}. */
  static String model(Metadata headers) {
    String m = headers.get(MODEL);
    return m == null || m.isBlank() ? null : m.trim();
  }

  /** True for the KServe v2 methods whose request carries the model name in field 1. */
  static boolean carriesModelInBody(String fullMethodName) {
    return fullMethodName.equals("inference.GRPCInferenceService/ModelInfer")
        || fullMethodName.equals("inference.GRPCInferenceService/ModelStreamInfer");
  }

  /**
   * Reads field 1 (a string) of a serialized message without parsing the rest: stops at the
   * field, skips any field before it.
   *
   * @return the model name, or the empty string when the field is absent
   * @throws BadMetadataException when the bytes are not a protobuf message
   */
  static String modelFromRequest(byte[] message) {
    CodedInputStream in = CodedInputStream.newInstance(message);
    try {
      while (true) {
        int tag = in.readTag();
        if (tag == 0) {
          return "";
        }
        if (tag == MODEL_NAME_TAG) {
          return in.readString();
        }
        if (!in.skipField(tag)) {
          return "";
        }
      }
    } catch (IOException e) {
      throw new BadMetadataException(
          "request message: not a KServe v2 inference request (expected: model_name in field 1)");
    }
  }

  private static String clip(String raw) {
    return raw.length() <= 64 ? raw : raw.substring(0, 64) + "...";
  }

  /** Bad input from the client; becomes INVALID_ARGUMENT. No stack trace: it is a value. */
  static final class BadMetadataException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BadMetadataException(String message) {
      super(message, null, false, false);
    }
  }
}
