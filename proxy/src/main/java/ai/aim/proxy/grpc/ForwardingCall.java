package ai.aim.proxy.grpc;

import ai.aim.proxy.admission.Priority;
import ai.aim.proxy.metrics.Outcome;
import ai.aim.proxy.propagation.PropagationPolicy;
import ai.aim.proxy.propagation.ProtoPriorityParameter;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One call forwarded from a client to the model server: the server-side listener, the upstream
 * call's listener and the state between them.
 *
 * <p>Thread confinement: everything runs on the event loop of the client's connection ({@link
 * Route#loop}). The server runs with a direct executor, so the server listener is called on that
 * loop; the upstream call uses the route's channel (its connection lives on the same loop) and
 * {@link Route#callbacks} as its call executor; admission answers are moved onto the loop. No
 * field needs a lock. Callbacks of one side may run inline inside a call into the other side (as
 * with any direct executor), so each handler re-checks the state after calling out.
 *
 * <p>Flow control: one message is requested from a side only while the other side's call {@code
 * isReady()}; otherwise the request is remembered and made from that side's {@code onReady}. A
 * slow client therefore holds back the upstream stream and the reverse, and each message is handed
 * on synchronously (see {@link PassThroughMarshaller}).
 *
 * <p>Invariant: the call ends exactly once ({@link #finish}): the observer hears of it once and an
 * admission permit, if one was given, is released once.
 */
final class ForwardingCall extends ServerCall.Listener<InputStream> {

  private enum State {
    /** Waiting for the first request message, which names the model. */
    HEAD,
    /** The admission has the call. */
    ADMITTING,
    /** The upstream call is running. */
    FORWARDING,
    /** Ended; late events are ignored. */
    DONE
  }

  /**
   * A client sends the same RST_STREAM(CANCEL) whether it gave up or its deadline passed, and its
   * deadline clock started before the call reached the proxy; so a cancel this close to the
   * deadline is counted as the deadline.
   */
  private static final long DEADLINE_SLACK_NANOS = 20_000_000L;

  private final ServerCall<InputStream, InputStream> serverCall;
  private final Metadata requestHeaders;
  private final Route route;
  private final ProxySettings settings;
  private final long arrivalNanos;
  private final String fullMethodName;

  private State state = State.HEAD;
  private long deadlineNanos = CallHead.NO_DEADLINE;
  /** True when x-aim-deadline-ms is tighter than grpc-timeout, so the proxy must enforce it. */
  private boolean ownDeadline;
  private String model = "";
  private Priority priority = Priority.MEDIUM;
  private boolean explicitPriority;
  private String tenant;
  private CallHead head;
  /** Appended to each request message to set its {@code priority} parameter, or null. */
  private byte[] prioritySuffix;

  private ClientCall<InputStream, InputStream> upstream;
  private InputStream firstMessage;
  private boolean halfClosed;
  private boolean serverClosed;
  private boolean headersSent;
  private boolean wantClientMessage;
  private boolean wantUpstreamMessage;

  private GrpcAdmission.Permit permit;
  private ScheduledFuture<?> ownDeadlineTimer;
  private long admitStartNanos = -1;
  private long dispatchNanos = -1;
  private long queueNanos = -1;
  private long ttfbNanos = -1;

  private ForwardingCall(
      ServerCall<InputStream, InputStream> serverCall,
      Metadata requestHeaders,
      Route route,
      ProxySettings settings) {
    this.serverCall = serverCall;
    this.requestHeaders = requestHeaders;
    this.route = route;
    this.settings = settings;
    this.arrivalNanos = settings.nanoClock().getAsLong();
    this.fullMethodName = serverCall.getMethodDescriptor().getFullMethodName();
  }

  /** Starts forwarding a call that just arrived; on the call's event loop. */
  static ServerCall.Listener<InputStream> start(
      ServerCall<InputStream, InputStream> serverCall,
      Metadata headers,
      Route route,
      ProxySettings settings) {
    ForwardingCall call = new ForwardingCall(serverCall, headers, route, settings);
    call.begin();
    return call;
  }

  private void begin() {
    assert route.loop.inEventLoop();
    String headerModel = CallMetadata.model(requestHeaders);
    if (headerModel != null) {
      model = headerModel;
    }
    tenant = CallMetadata.tenant(requestHeaders);
    // grpc-java has already turned grpc-timeout into the call context's deadline.
    Deadline serverDeadline = Context.current().getDeadline();
    try {
      Priority explicit = CallMetadata.priority(requestHeaders);
      explicitPriority = explicit != null;
      priority = explicitPriority ? explicit : defaultPriority(model);
      long remaining =
          serverDeadline == null ? Long.MAX_VALUE : serverDeadline.timeRemaining(TimeUnit.NANOSECONDS);
      long own = CallMetadata.deadlineNanos(requestHeaders);
      if (own >= 0 && own < remaining) {
        remaining = own;
        ownDeadline = true;
      }
      if (remaining != Long.MAX_VALUE) {
        deadlineNanos = arrivalNanos + remaining;
      }
    } catch (CallMetadata.BadMetadataException e) {
      refuse(Status.INVALID_ARGUMENT.withDescription(e.getMessage()), Outcome.BAD_REQUEST);
      return;
    }
    if (ownDeadline) {
      // grpc-java enforces grpc-timeout; a tighter x-aim-deadline-ms is the proxy's to enforce
      // until the upstream call, which carries it as its deadline, is started.
      ownDeadlineTimer =
          route.loop.schedule(
              this::ownDeadlinePassed, deadlineNanos - arrivalNanos, TimeUnit.NANOSECONDS);
    }
    if (headerModel == null && CallMetadata.carriesModelInBody(fullMethodName)) {
      serverCall.request(1); // the first message names the model
    } else {
      admit();
    }
  }

  private String fold(String raw) {
    String folded = settings.modelFolding().apply(raw);
    return folded != null ? folded : "";
  }

  private Priority defaultPriority(String modelName) {
    Priority p = settings.defaultPriority().apply(modelName);
    return p != null ? p : Priority.MEDIUM;
  }

  // ---- admission ----

  private void admit() {
    model = fold(model);
    head = new CallHead(fullMethodName, model, priority, tenant, arrivalNanos, deadlineNanos);
    PropagationPolicy policy = settings.propagation().policyFor(model);
    if (policy.enabled() && CallMetadata.carriesModelInBody(fullMethodName)) {
      prioritySuffix = ProtoPriorityParameter.entry(policy.kserve().of(priority));
    }
    state = State.ADMITTING;
    admitStartNanos = settings.nanoClock().getAsLong();
    try {
      settings.admission().admit(head, route.loop, new Answer());
    } catch (RuntimeException e) {
      if (state == State.ADMITTING) {
        refuse(Status.INTERNAL.withDescription("admission failed: " + e), Outcome.UNAVAILABLE);
      }
    }
  }

  /** The one answer of the admission, moved onto the call's event loop. */
  private final class Answer extends AtomicBoolean implements GrpcAdmission.Callback {
    private static final long serialVersionUID = 1L;

    @Override
    public void admitted(GrpcAdmission.Permit p) {
      if (!compareAndSet(false, true)) {
        return;
      }
      if (route.loop.inEventLoop()) {
        onAdmitted(p);
      } else {
        route.loop.execute(() -> onAdmitted(p));
      }
    }

    @Override
    public void rejected(Status status, Metadata trailers) {
      if (!compareAndSet(false, true)) {
        return;
      }
      if (route.loop.inEventLoop()) {
        onRejected(status, trailers);
      } else {
        route.loop.execute(() -> onRejected(status, trailers));
      }
    }
  }

  private void onAdmitted(GrpcAdmission.Permit p) {
    long now = settings.nanoClock().getAsLong();
    if (state != State.ADMITTING) {
      // Cancelled or timed out while waiting: give the permit straight back.
      p.release(head.isCancelled() && isPastDeadline(now) ? Outcome.DEADLINE : Outcome.CANCELLED);
      return;
    }
    permit = p;
    queueNanos = now - admitStartNanos;
    if (isPastDeadline(now)) {
      refuse(
          Status.DEADLINE_EXCEEDED.withDescription("deadline passed while waiting for admission"),
          Outcome.DEADLINE);
      return;
    }
    startUpstream(now);
  }

  private void onRejected(Status status, Metadata trailers) {
    if (state != State.ADMITTING) {
      return;
    }
    queueNanos = settings.nanoClock().getAsLong() - admitStartNanos;
    closeServer(status, trailers != null ? trailers : new Metadata());
    finish(StatusOutcomes.ofRejection(status), -1);
  }

  private void ownDeadlinePassed() {
    ownDeadlineTimer = null;
    if (state != State.HEAD && state != State.ADMITTING) {
      return;
    }
    if (head != null) {
      head.cancel();
    }
    refuse(
        Status.DEADLINE_EXCEEDED.withDescription(
            CallMetadata.DEADLINE_MS.name() + " passed before the call was forwarded"),
        Outcome.DEADLINE);
  }

  private void cancelOwnDeadlineTimer() {
    if (ownDeadlineTimer != null) {
      ownDeadlineTimer.cancel(false);
      ownDeadlineTimer = null;
    }
  }

  private boolean isPastDeadline(long now) {
    return deadlineNanos != CallHead.NO_DEADLINE && now - deadlineNanos >= 0;
  }

  // ---- forwarding ----

  private void startUpstream(long now) {
    cancelOwnDeadlineTimer(); // the upstream call carries the deadline from here
    state = State.FORWARDING;
    dispatchNanos = now;
    CallOptions options = CallOptions.DEFAULT.withExecutor(route.callbacks);
    if (deadlineNanos != CallHead.NO_DEADLINE) {
      options = options.withDeadlineAfter(deadlineNanos - now, TimeUnit.NANOSECONDS);
    }
    // Created outside the server call's context: deadline and cancellation are passed on
    // explicitly, so the upstream call does not also listen to the server context.
    Context previous = Context.ROOT.attach();
    try {
      upstream = route.channel.newCall(serverCall.getMethodDescriptor(), options);
    } finally {
      Context.ROOT.detach(previous);
    }
    // Upstream callbacks may run inline inside these calls (e.g. a call that fails at once), so
    // the state is checked again after each.
    upstream.start(new UpstreamListener(), CallMetadata.forwardable(requestHeaders));
    if (state != State.FORWARDING) {
      return;
    }
    upstream.request(1);
    if (firstMessage != null) {
      InputStream m = firstMessage;
      firstMessage = null;
      sendUpstream(m);
    }
    if (state != State.FORWARDING) {
      return;
    }
    if (halfClosed) {
      upstream.halfClose();
    } else {
      requestFromClient();
    }
  }

  /** Sends one request message on, with the priority parameter appended when propagating. */
  private void sendUpstream(InputStream message) {
    InputStream m = message;
    if (prioritySuffix != null) {
      try {
        m = SuffixedMessage.of(message, prioritySuffix);
      } catch (IOException e) {
        finish(Outcome.CANCELLED, settings.nanoClock().getAsLong() - dispatchNanos);
        upstream.cancel("request message could not be read", e);
        closeServer(Status.CANCELLED.withDescription("request message could not be read"), new Metadata());
        return;
      }
    }
    upstream.sendMessage(m);
  }

  private void requestFromClient() {
    if (upstream.isReady()) {
      serverCall.request(1);
    } else {
      wantClientMessage = true;
    }
  }

  @Override
  public void onMessage(InputStream message) {
    assert route.loop.inEventLoop();
    if (state == State.FORWARDING) {
      sendUpstream(message);
      if (state == State.FORWARDING) {
        requestFromClient();
      }
    } else if (state == State.HEAD) {
      byte[] bytes;
      try {
        bytes = message.readAllBytes();
        model = CallMetadata.modelFromRequest(bytes);
      } catch (IOException | CallMetadata.BadMetadataException e) {
        refuse(Status.INVALID_ARGUMENT.withDescription(e.getMessage()), Outcome.BAD_REQUEST);
        return;
      }
      firstMessage = new KnownLengthBytes(bytes);
      if (!explicitPriority) {
        priority = defaultPriority(model);
      }
      admit();
    }
  }

  @Override
  public void onHalfClose() {
    assert route.loop.inEventLoop();
    halfClosed = true;
    if (state == State.FORWARDING) {
      upstream.halfClose();
    } else if (state == State.HEAD) {
      admit(); // a stream that ended before its first message: no model to read
    }
  }

  @Override
  public void onReady() {
    assert route.loop.inEventLoop();
    if (state == State.FORWARDING && wantUpstreamMessage && serverCall.isReady()) {
      wantUpstreamMessage = false;
      upstream.request(1);
    }
  }

  @Override
  public void onCancel() {
    assert route.loop.inEventLoop();
    serverClosed = true; // grpc-java has closed the client's stream
    long now = settings.nanoClock().getAsLong();
    Outcome outcome = isPastDeadline(now + DEADLINE_SLACK_NANOS) ? Outcome.DEADLINE : Outcome.CANCELLED;
    switch (state) {
      case HEAD:
        finish(outcome, -1);
        break;
      case ADMITTING:
        head.cancel();
        finish(outcome, -1);
        break;
      case FORWARDING:
        // finish first: the upstream's onClose(CANCELLED) may run inline and must be ignored.
        finish(outcome, now - dispatchNanos);
        upstream.cancel(
            outcome == Outcome.DEADLINE ? "client deadline passed" : "client cancelled", null);
        break;
      default:
        break;
    }
  }

  private final class UpstreamListener extends ClientCall.Listener<InputStream> {

    @Override
    public void onHeaders(Metadata headers) {
      assert route.loop.inEventLoop();
      if (state == State.FORWARDING && !serverClosed) {
        serverCall.sendHeaders(CallMetadata.forwardable(headers));
        headersSent = true;
      }
    }

    @Override
    public void onMessage(InputStream message) {
      assert route.loop.inEventLoop();
      if (state != State.FORWARDING || serverClosed) {
        return;
      }
      if (!headersSent) {
        serverCall.sendHeaders(new Metadata());
        headersSent = true;
      }
      if (ttfbNanos < 0) {
        ttfbNanos = settings.nanoClock().getAsLong() - arrivalNanos;
      }
      serverCall.sendMessage(message);
      if (serverCall.isReady()) {
        upstream.request(1);
      } else {
        wantUpstreamMessage = true;
      }
    }

    @Override
    public void onReady() {
      assert route.loop.inEventLoop();
      if (state == State.FORWARDING && wantClientMessage && upstream.isReady()) {
        wantClientMessage = false;
        serverCall.request(1);
      }
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      assert route.loop.inEventLoop();
      if (state != State.FORWARDING) {
        return;
      }
      long now = settings.nanoClock().getAsLong();
      Status answer = status;
      if (status.getCode() == Status.Code.UNAVAILABLE && status.getCause() != null) {
        // grpc-java's own answer: the connection to the model server failed.
        route.connectionFailed(now);
        answer =
            Status.UNAVAILABLE.withDescription(
                "upstream " + route.target + " unavailable: " + status.getDescription());
      }
      closeServer(answer, CallMetadata.forwardable(trailers));
      finish(StatusOutcomes.ofUpstream(status), now - dispatchNanos);
    }
  }

  // ---- the end ----

  /** Answers the client itself (bad input, refusal, deadline) and ends the call. */
  private void refuse(Status status, Outcome outcome) {
    closeServer(status, new Metadata());
    finish(outcome, -1);
  }

  private void closeServer(Status status, Metadata trailers) {
    if (!serverClosed) {
      serverClosed = true;
      serverCall.close(status, trailers);
    }
  }

  private void finish(Outcome outcome, long upstreamNanos) {
    if (state == State.DONE) {
      return;
    }
    state = State.DONE;
    firstMessage = null;
    cancelOwnDeadlineTimer();
    if (permit != null) {
      GrpcAdmission.Permit p = permit;
      permit = null;
      p.release(outcome);
    }
    long total = settings.nanoClock().getAsLong() - arrivalNanos;
    // Before admission the model is still the client's raw string: fold it for the metrics too.
    String metricModel = head != null ? head.model() : fold(model);
    settings.observer().onComplete(metricModel, priority, outcome, queueNanos, upstreamNanos, ttfbNanos, total);
  }
}
