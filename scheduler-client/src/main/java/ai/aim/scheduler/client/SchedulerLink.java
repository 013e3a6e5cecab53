package ai.aim.scheduler.client;

import ai.aim.scheduler.client.v1.DirectiveAck;
import ai.aim.scheduler.client.v1.Hello;
import ai.aim.scheduler.client.v1.LoadReport;
import ai.aim.scheduler.client.v1.SchedulerDirective;
import ai.aim.scheduler.client.v1.SchedulerServiceGrpc;
import ai.aim.scheduler.client.v1.SidecarMessage;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sidecar's end of the sidecar-scheduler protocol: one long-lived {@code Connect} stream that
 * says hello, then sends a {@link LoadReport} every {@code reportInterval}, and hands each
 * directive to a {@link DirectiveListener}. A scheduler that asks for another interval in its
 * {@code Welcome} gets it (clamped to 100 ms .. 60 s) for as long as the session lasts or until a
 * later Welcome asks for another; a Welcome that asks for none (0) restores the builder's.
 *
 * <p>Threading: all session state (the stream, sequence numbers, backoff) is owned by the link's
 * single scheduled thread, which is also the gRPC channel's callback executor, so nothing is
 * shared or locked. The caller only ever touches {@link #start()}, {@link #close()} and the
 * counters, which never block and never throw.
 *
 * <p>Failure behaviour: when the scheduler is unreachable or the stream breaks, the link waits a
 * jittered, bounded exponential backoff and opens a new stream with a new Hello; reports resume
 * by themselves. While disconnected, report suppliers are not called and nothing is queued, so a
 * long outage costs nothing. Reports are skipped (not buffered) while the stream is not ready
 * (flow control), so a slow scheduler cannot grow the sidecar's heap.
 */
public final class SchedulerLink implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SchedulerLink.class);

    private final SidecarIdentity identity;
    private final Supplier<LoadReport> reports;
    private final DirectiveListener listener;
    private final long reportIntervalNanos;
    private final LongSupplier nanoClock;
    private final Backoff backoff;
    private final ScheduledThreadPoolExecutor thread;
    private final ManagedChannel channel;
    private final SchedulerServiceGrpc.SchedulerServiceStub stub;

    /** Shortest and longest report interval a Welcome may ask for; outside, it is clamped. */
    static final long MIN_ASKED_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    static final long MAX_ASKED_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(60);

    /** Follows the TLS files (null without TLS): a renewed certificate serves the next connection. */
    private final WatchedTls watchedTls;

    // Owned by the link thread.
    private Session session;
    private boolean closed;
    private ScheduledFuture<?> ticker;

    // Written by the link thread only; read by anyone.
    private volatile boolean connected;
    private volatile long reportsSent;
    private volatile long reconnects;
    private volatile long directivesReceived;
    private volatile long reportSupplierFailures;
    private volatile long currentIntervalNanos;

    private SchedulerLink(Builder b) {
        this.identity = b.identity;
        this.reports = b.reports;
        this.listener = b.listener;
        this.reportIntervalNanos = b.reportInterval.toNanos();
        this.currentIntervalNanos = reportIntervalNanos;
        this.nanoClock = b.nanoClock;
        this.backoff = new Backoff(b.initialBackoff, b.maxBackoff, () -> ThreadLocalRandom.current().nextDouble());
        this.thread = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "aim-scheduler-link");
            t.setDaemon(true);
            return t;
        });
        this.thread.setRemoveOnCancelPolicy(true);
        this.watchedTls = b.tls == null ? null : new WatchedTls(b.tlsCheckPeriod);
        this.channel = Grpc.newChannelBuilder(b.target, credentials(b.tls, watchedTls))
                .executor(thread)
                .keepAliveTime(b.keepAlive.toNanos(), TimeUnit.NANOSECONDS)
                .keepAliveTimeout(Math.max(1, b.keepAlive.toNanos() / 2), TimeUnit.NANOSECONDS)
                .keepAliveWithoutCalls(false)
                .build();
        this.stub = SchedulerServiceGrpc.newStub(channel);
    }

    public static Builder builder(String target, SidecarIdentity identity) {
        return new Builder(target, identity);
    }

    /** Opens the first session and starts the report timer. Returns at once. */
    public SchedulerLink start() {
        thread.execute(() -> {
            scheduleReports(reportIntervalNanos);
            openSession();
        });
        return this;
    }

    /** (Re)starts the report timer at {@code nanos}. Link thread. */
    private void scheduleReports(long nanos) {
        if (ticker != null) {
            if (nanos == currentIntervalNanos) {
                return;
            }
            ticker.cancel(false);
        }
        currentIntervalNanos = nanos;
        ticker = thread.scheduleAtFixedRate(this::tick, nanos, nanos, TimeUnit.NANOSECONDS);
    }

    /**
     * The interval the link reports at now: the builder's, or the one the scheduler asked for in
     * its last Welcome (clamped to 100 ms .. 60 s).
     */
    public Duration reportInterval() {
        return Duration.ofNanos(currentIntervalNanos);
    }

    /** True while a session is established (the scheduler answered the Hello). */
    public boolean connected() {
        return connected;
    }

    /** Load reports written to a stream since start. */
    public long reportsSent() {
        return reportsSent;
    }

    /** Sessions re-opened after a failed or lost one. */
    public long reconnects() {
        return reconnects;
    }

    /** Directives received (Welcome included). */
    public long directivesReceived() {
        return directivesReceived;
    }

    /** Times the report supplier threw; the report was skipped. */
    public long reportSupplierFailures() {
        return reportSupplierFailures;
    }

    /** Ends the session politely and releases the channel and thread. Idempotent. */
    @Override
    public void close() {
        if (thread.isShutdown()) {
            return;
        }
        try {
            thread.submit(() -> {
                closed = true;
                Session s = session;
                session = null;
                if (s != null) {
                    s.stream.onCompleted();
                }
                setConnected(false);
            }).get(2, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.debug("closing scheduler link", e);
        }
        channel.shutdownNow();
        try {
            channel.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        thread.shutdownNow();
        if (watchedTls != null) {
            watchedTls.close();
        }
    }

    // ---- link thread ----

    private void openSession() {
        if (closed) {
            return;
        }
        Session s = new Session();
        session = s;
        try {
            stub.connect(s);
            s.send(SidecarMessage.newBuilder().setHello(Hello.newBuilder()
                    .setPod(identity.pod())
                    .setNamespace(identity.namespace())
                    .addAllModels(identity.models())
                    .setNode(identity.node())
                    .setVersion(identity.version())));
        } catch (RuntimeException e) {
            lost(s, e);
        }
    }

    private void tick() {
        try {
            Session s = session;
            if (s == null || !s.welcomed || !s.stream.isReady()) {
                return;
            }
            LoadReport report;
            try {
                report = reports.get();
            } catch (RuntimeException e) {
                reportSupplierFailures++;
                log.debug("report supplier failed", e);
                return;
            }
            if (report != null) {
                s.send(SidecarMessage.newBuilder().setReport(report));
                reportsSent++;
            }
        } catch (RuntimeException e) {
            log.debug("report tick failed", e);
        }
    }

    private void lost(Session s, Throwable cause) {
        if (session != s) {
            return; // an old session's late callback
        }
        session = null;
        setConnected(false);
        if (closed) {
            return;
        }
        long delay = backoff.nextDelayNanos();
        log.debug("scheduler session lost ({}); reconnecting in {} ms", cause, delay / 1_000_000);
        thread.schedule(() -> {
            if (closed) {
                return;
            }
            reconnects++;
            // The channel keeps its own (long) connect backoff; ours decides when to try.
            channel.resetConnectBackoff();
            openSession();
        }, delay, TimeUnit.NANOSECONDS);
    }

    private void setConnected(boolean now) {
        if (connected == now) {
            return;
        }
        connected = now;
        try {
            listener.onConnectionChange(now);
        } catch (RuntimeException e) {
            log.warn("directive listener failed on connection change", e);
        }
    }

    private void onDirective(Session s, SchedulerDirective d) {
        directivesReceived++;
        switch (d.getBodyCase()) {
            case WELCOME -> {
                s.welcomed = true;
                long asked = TimeUnit.MILLISECONDS.toNanos(d.getWelcome().getReportIntervalMillis());
                // 0: the scheduler leaves the interval to the sidecar (back to its own after a
                // scheduler that asked for another one).
                scheduleReports(asked == 0 ? reportIntervalNanos
                        : Math.max(MIN_ASKED_INTERVAL_NANOS, Math.min(MAX_ASKED_INTERVAL_NANOS, asked)));
                backoff.reset();
                setConnected(true);
            }
            case LIMIT_OVERRIDE -> {
                long expires = nanoClock.getAsLong() + TimeUnit.MILLISECONDS.toNanos(d.getLimitOverride().getTtlMillis());
                ack(s, d, () -> listener.onLimitOverride(d.getLimitOverride(), expires));
            }
            case DRAIN -> ack(s, d, () -> listener.onDrain(d.getDrain()));
            default -> ack(s, d, () -> false);
        }
    }

    private void ack(Session s, SchedulerDirective d, java.util.function.BooleanSupplier apply) {
        boolean applied;
        String detail = "";
        try {
            applied = apply.getAsBoolean();
        } catch (RuntimeException e) {
            log.warn("directive listener failed on {}", d.getBodyCase(), e);
            applied = false;
            detail = String.valueOf(e.getMessage());
        }
        s.send(SidecarMessage.newBuilder().setAck(DirectiveAck.newBuilder()
                .setDirectiveSequence(d.getSequence()).setApplied(applied).setDetail(detail)));
    }

    private static ChannelCredentials credentials(TlsConfig tls, WatchedTls watched) {
        if (tls == null) {
            return InsecureChannelCredentials.create();
        }
        try {
            TlsChannelCredentials.Builder b = TlsChannelCredentials.newBuilder();
            if (tls.certChain() != null) {
                b.keyManager(watched.keyManager(tls.certChain(), tls.privateKey()));
            }
            if (tls.trustCa() != null) {
                b.trustManager(watched.trustManager(tls.trustCa(), true));
            }
            return b.build();
        } catch (IOException e) {
            watched.close();
            throw new UncheckedIOException("tls: cannot read " + tls, e);
        } catch (java.security.GeneralSecurityException e) {
            watched.close();
            throw new IllegalArgumentException("tls: " + tls + " unusable (" + e.getMessage()
                    + "; expected: a PEM certificate chain, its PEM PKCS#8 private key, PEM CA certificates)", e);
        }
    }

    /** One stream; its callbacks run on the link thread (the channel's executor). */
    private final class Session implements ClientResponseObserver<SidecarMessage, SchedulerDirective> {
        ClientCallStreamObserver<SidecarMessage> stream;
        boolean welcomed;
        long sequence;

        @Override
        public void beforeStart(ClientCallStreamObserver<SidecarMessage> requestStream) {
            this.stream = requestStream;
        }

        void send(SidecarMessage.Builder message) {
            stream.onNext(message.setSequence(++sequence).build());
        }

        @Override
        public void onNext(SchedulerDirective directive) {
            if (session == this) {
                onDirective(this, directive);
            }
        }

        @Override
        public void onError(Throwable t) {
            lost(this, t);
        }

        @Override
        public void onCompleted() {
            lost(this, null);
        }
    }

    /** Builds a {@link SchedulerLink}; not thread-safe. */
    public static final class Builder {
        private final String target;
        private final SidecarIdentity identity;
        private Supplier<LoadReport> reports = () -> null;
        private DirectiveListener listener = DirectiveListener.NONE;
        private Duration reportInterval = Duration.ofSeconds(1);
        private Duration initialBackoff = Duration.ofMillis(200);
        private Duration maxBackoff = Duration.ofSeconds(30);
        private Duration keepAlive = Duration.ofSeconds(20);
        private TlsConfig tls;
        private Duration tlsCheckPeriod = WatchedTls.DEFAULT_PERIOD;
        private LongSupplier nanoClock = System::nanoTime;

        private Builder(String target, SidecarIdentity identity) {
            if (target == null || target.isBlank()) {
                throw new IllegalArgumentException("scheduler target: '" + target + "' (expected: host:port)");
            }
            this.target = target;
            this.identity = Objects.requireNonNull(identity, "identity");
        }

        /** Called on the link thread once per interval while connected; null = skip this one. */
        public Builder reports(Supplier<LoadReport> reports) {
            this.reports = Objects.requireNonNull(reports, "reports");
            return this;
        }

        public Builder listener(DirectiveListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        public Builder reportInterval(Duration interval) {
            this.reportInterval = positive(interval, "reportInterval");
            return this;
        }

        /** Reconnect backoff: starts at {@code initial}, doubles, never above {@code max}, jittered. */
        public Builder backoff(Duration initial, Duration max) {
            this.initialBackoff = positive(initial, "initialBackoff");
            this.maxBackoff = positive(max, "maxBackoff");
            return this;
        }

        /** HTTP/2 keep-alive ping interval that detects a vanished scheduler. */
        public Builder keepAlive(Duration keepAlive) {
            this.keepAlive = positive(keepAlive, "keepAlive");
            return this;
        }

        /** TLS (null = plaintext, the default). */
        public Builder tls(TlsConfig tls) {
            this.tls = tls;
            return this;
        }

        /** How often the TLS files are checked for a renewed certificate (default 2 s). */
        public Builder tlsCheckPeriod(Duration period) {
            if (period.isNegative() || period.isZero()) {
                throw new IllegalArgumentException("tlsCheckPeriod: " + period + " (expected: > 0)");
            }
            this.tlsCheckPeriod = period;
            return this;
        }

        public Builder nanoClock(LongSupplier nanoClock) {
            this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
            return this;
        }

        /** Builds the link; call {@link SchedulerLink#start()} to connect. */
        public SchedulerLink build() {
            return new SchedulerLink(this);
        }

        private static Duration positive(Duration d, String name) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
            }
            return d;
        }
    }
}
