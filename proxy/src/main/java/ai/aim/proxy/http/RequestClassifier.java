package ai.aim.proxy.http;

import ai.aim.proxy.admission.Priority;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.function.Function;

/**
 * Turns a parsed request head into a {@link RequestHead}: the model from the path (KServe v2 and
 * v1) or, for OpenAI-style paths whose model is in the JSON body, from {@code x-aim-model} or the
 * configured default (the body is never buffered to find it); the priority from {@code
 * x-aim-priority}; the deadline from {@code x-aim-deadline-ms}. Invalid values are refused with a
 * message naming the header and what was expected, never silently defaulted.
 *
 * <p>Immutable; shared by all event loops.
 */
final class RequestClassifier {

  static final String MODEL_HEADER = "x-aim-model";
  static final String PRIORITY_HEADER = "x-aim-priority";
  static final String DEADLINE_HEADER = "x-aim-deadline-ms";
  static final String TENANT_HEADER = "x-aim-tenant";

  /** Bytes of request body counted as one token in the cost estimate. */
  static final int BYTES_PER_TOKEN = 4;

  /** Longest model name taken from a request; longer ones are refused. */
  static final int MAX_MODEL_LENGTH = 256;

  private final ModelLabels labels;
  private final String defaultModel;
  private final Function<String, Priority> defaultPriority;

  /**
   * @param labels the configured models
   * @param defaultModel the model of requests that name none, or {@code null}
   * @param defaultPriority a model's default priority when the request sets none (MEDIUM if it
   *     returns {@code null})
   */
  RequestClassifier(
      ModelLabels labels, String defaultModel, Function<String, Priority> defaultPriority) {
    this.labels = labels;
    this.defaultModel = defaultModel;
    this.defaultPriority = defaultPriority;
  }

  RequestHead classify(HttpRequest request, long arrivalNanos) throws BadRequestException {
    HttpHeaders headers = request.headers();
    String uri = request.uri();
    int q = uri.indexOf('?');
    String path = q < 0 ? uri : uri.substring(0, q);

    ApiKind api;
    String model;
    if (path.startsWith("/v2/models/")) {
      api = ApiKind.KSERVE_V2;
      model = segment(path, "/v2/models/".length(), '/');
    } else if (path.startsWith("/v1/models/")) {
      api = ApiKind.KSERVE_V1;
      model = segment(path, "/v1/models/".length(), ':');
    } else if (isOpenAi(path)) {
      api = ApiKind.OPENAI;
      model = null;
    } else {
      api = ApiKind.OTHER;
      model = null;
    }
    if (model == null || model.isEmpty()) {
      String named = headers.get(MODEL_HEADER);
      if (named != null) {
        named = named.trim();
        if (named.isEmpty()) {
          throw new BadRequestException(MODEL_HEADER + ": '' (expected: a model name)");
        }
        model = named;
      } else {
        model = defaultModel != null ? defaultModel : ModelLabels.UNKNOWN;
      }
    }
    if (model.length() > MAX_MODEL_LENGTH) {
      throw new BadRequestException(
          "model name of " + model.length() + " characters (expected: at most " + MAX_MODEL_LENGTH + ")");
    }

    Priority priority;
    String p = headers.get(PRIORITY_HEADER);
    if (p != null) {
      priority = Priority.parseOrNull(p);
      if (priority == null) {
        throw new BadRequestException(
            PRIORITY_HEADER + ": '" + clip(p) + "' (expected: high, medium or low)");
      }
    } else {
      Priority d = defaultPriority.apply(model);
      priority = d != null ? d : Priority.MEDIUM;
    }

    long timeoutNanos = RequestHead.NO_DEADLINE;
    String d = headers.get(DEADLINE_HEADER);
    if (d != null) {
      timeoutNanos = parseDeadline(d) * 1_000_000L;
    }
    String tenant = headers.get(TENANT_HEADER);
    if (tenant != null) {
      tenant = tenant.trim();
      if (tenant.isEmpty() || tenant.length() > MAX_MODEL_LENGTH) {
        throw new BadRequestException(
            TENANT_HEADER + ": '" + clip(tenant) + "' (expected: 1 to " + MAX_MODEL_LENGTH + " characters)");
      }
    }
    long length = HttpUtil.getContentLength(request, -1L);
    long cost = Math.max(1, length / BYTES_PER_TOKEN);
    return new RequestHead(
        model,
        labels.fold(model),
        priority,
        arrivalNanos,
        timeoutNanos,
        api,
        request.method().name(),
        path,
        tenant,
        cost);
  }

  /** Parses {@code x-aim-deadline-ms}: a positive whole number of milliseconds, at most a day. */
  static long parseDeadline(String value) throws BadRequestException {
    String v = value.trim();
    long ms;
    try {
      ms = Long.parseLong(v);
    } catch (NumberFormatException e) {
      ms = -1;
    }
    if (ms <= 0 || ms > 86_400_000L) {
      throw new BadRequestException(
          DEADLINE_HEADER
              + ": '"
              + clip(value)
              + "' (expected: a whole number of milliseconds from 1 to 86400000)");
    }
    return ms;
  }

  private static boolean isOpenAi(String path) {
    String p = path.startsWith("/openai/") ? path.substring("/openai".length()) : path;
    return p.startsWith("/v1/chat/")
        || p.equals("/v1/completions")
        || p.equals("/v1/embeddings")
        || p.startsWith("/v1/responses");
  }

  private static String segment(String path, int from, char stop) {
    int end = from;
    while (end < path.length() && path.charAt(end) != '/' && path.charAt(end) != stop) {
      end++;
    }
    String raw = path.substring(from, end);
    return raw.indexOf('%') >= 0 ? QueryStringDecoder.decodeComponent(raw) : raw;
  }

  private static String clip(String s) {
    return s.length() <= 64 ? s : s.substring(0, 64) + "...";
  }
}
