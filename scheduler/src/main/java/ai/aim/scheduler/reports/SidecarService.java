package ai.aim.scheduler.reports;

import ai.aim.scheduler.client.v1.DirectiveAck;
import ai.aim.scheduler.client.v1.Drain;
import ai.aim.scheduler.client.v1.Hello;
import ai.aim.scheduler.client.v1.LimitOverride;
import ai.aim.scheduler.client.v1.SchedulerDirective;
import ai.aim.scheduler.client.v1.SchedulerServiceGrpc;
import ai.aim.scheduler.client.v1.SidecarMessage;
import ai.aim.scheduler.client.v1.Welcome;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler's end of {@code aim.scheduler.v1.SchedulerService/Connect}: registers each sidecar
 * on its Hello, feeds its reports into the {@link ReportAggregator} and keeps its stream so that
 * directives can be sent to it.
 *
 * <p>Threading: gRPC delivers one stream's messages serially; different streams run concurrently.
 * Directives may be sent from any thread, so writes to a stream are serialized on the stream's
 * own lock (a gRPC {@code StreamObserver} must not be called concurrently).
 */
public final class SidecarService extends SchedulerServiceGrpc.SchedulerServiceImplBase implements DirectiveSender {
    private static final Logger log = LoggerFactory.getLogger(SidecarService.class);

    private final ReportAggregator aggregator;
    private final String schedulerId;
    private final int reportIntervalMillis;
    private final ConcurrentHashMap<PodKey, Session> sessions = new ConcurrentHashMap<>();
    private final Counter reports;
    private final Counter rejectedStreams;

    public SidecarService(ReportAggregator aggregator, String schedulerId, MeterRegistry registry) {
        this(aggregator, schedulerId, Duration.ZERO, registry);
    }

    /**
     * @param reportInterval the report interval asked of every sidecar in the Welcome ({@link
     *     Duration#ZERO}: each keeps its own)
     */
    public SidecarService(
            ReportAggregator aggregator, String schedulerId, Duration reportInterval, MeterRegistry registry) {
        this.aggregator = aggregator;
        this.schedulerId = schedulerId;
        this.reportIntervalMillis = (int) Math.min(Integer.MAX_VALUE, reportInterval.toMillis());
        this.reports = Counter.builder("aim_scheduler_reports_received").description("Load reports received from sidecars").register(registry);
        this.rejectedStreams = Counter.builder("aim_scheduler_streams_rejected").description("Sidecar streams closed for protocol errors").register(registry);
        registry.gauge("aim_scheduler_sidecars_connected", sessions, ConcurrentHashMap::size);
    }

    @Override
    public StreamObserver<SidecarMessage> connect(StreamObserver<SchedulerDirective> responses) {
        return new Session((ServerCallStreamObserver<SchedulerDirective>) responses);
    }

    /** Pods with an open stream now. */
    public java.util.Set<PodKey> connectedPods() {
        return java.util.Set.copyOf(sessions.keySet());
    }

    @Override
    public boolean sendLimitOverride(PodKey pod, String model, int limit, Duration ttl, String reason) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit: " + limit + " (expected: >= 0)");
        }
        long ttlMillis = Math.min(Integer.MAX_VALUE, ttl.toMillis());
        return send(pod, SchedulerDirective.newBuilder().setLimitOverride(LimitOverride.newBuilder()
                .setModel(model == null ? "" : model).setLimit(limit).setTtlMillis((int) ttlMillis)
                .setReason(reason == null ? "" : reason)));
    }

    @Override
    public boolean sendDrain(PodKey pod, String reason, Duration duration) {
        return send(pod, SchedulerDirective.newBuilder().setDrain(Drain.newBuilder()
                .setReason(reason == null ? "" : reason)
                .setDurationMillis((int) Math.min(Integer.MAX_VALUE, duration.toMillis()))));
    }

    @Override
    public long lastAcknowledged(PodKey pod) {
        Session s = sessions.get(pod);
        return s == null ? 0 : s.lastAck;
    }

    private boolean send(PodKey pod, SchedulerDirective.Builder directive) {
        Session s = sessions.get(pod);
        return s != null && s.send(directive);
    }

    /** One sidecar stream. */
    private final class Session implements StreamObserver<SidecarMessage> {
        private final ServerCallStreamObserver<SchedulerDirective> out;
        private PodKey key; // set on Hello, read by the stream's serial callbacks
        private long sequence; // guarded by this
        private boolean closed; // guarded by this
        private volatile long lastAck;

        Session(ServerCallStreamObserver<SchedulerDirective> out) {
            this.out = out;
            out.setOnCancelHandler(this::ended);
        }

        @Override
        public void onNext(SidecarMessage message) {
            switch (message.getBodyCase()) {
                case HELLO -> hello(message.getHello());
                case REPORT -> {
                    if (key == null) {
                        protocolError("a report before the Hello");
                        return;
                    }
                    reports.increment();
                    aggregator.report(key, message.getReport());
                }
                case ACK -> ack(message.getAck());
                default -> { } // a newer sidecar's message this scheduler does not know
            }
        }

        private void hello(Hello hello) {
            if (hello.getPod().isBlank() || hello.getNamespace().isBlank()) {
                protocolError("Hello without pod and namespace");
                return;
            }
            if (key != null) {
                protocolError("a second Hello on one stream");
                return;
            }
            key = new PodKey(hello.getNamespace(), hello.getPod());
            aggregator.hello(key, hello.getNode(), hello.getModelsList(), hello.getVersion());
            Session previous = sessions.put(key, this);
            if (previous != null && previous != this) {
                previous.close(Status.ABORTED.withDescription("replaced by a newer stream of the same pod"));
            }
            send(SchedulerDirective.newBuilder().setWelcome(Welcome.newBuilder()
                    .setSchedulerId(schedulerId)
                    .setReportIntervalMillis(reportIntervalMillis)));
        }

        private void ack(DirectiveAck ack) {
            lastAck = Math.max(lastAck, ack.getDirectiveSequence());
            if (!ack.getApplied()) {
                log.info("sidecar {} did not apply directive {}: {}", key, ack.getDirectiveSequence(), ack.getDetail());
            }
        }

        synchronized boolean send(SchedulerDirective.Builder directive) {
            if (closed || out.isCancelled()) {
                return false;
            }
            try {
                out.onNext(directive.setSequence(++sequence).build());
                return true;
            } catch (RuntimeException e) {
                log.debug("send to {} failed", key, e);
                return false;
            }
        }

        synchronized void close(Status status) {
            if (!closed) {
                closed = true;
                try {
                    out.onError(status.asRuntimeException());
                } catch (RuntimeException e) {
                    log.debug("closing {}", key, e);
                }
            }
        }

        private void protocolError(String what) {
            rejectedStreams.increment();
            close(Status.INVALID_ARGUMENT.withDescription("protocol error: " + what));
            ended();
        }

        @Override
        public void onError(Throwable t) {
            ended();
        }

        @Override
        public void onCompleted() {
            synchronized (this) {
                if (!closed) {
                    closed = true;
                    out.onCompleted();
                }
            }
            ended();
        }

        private void ended() {
            synchronized (this) {
                closed = true;
            }
            if (key != null && sessions.remove(key, this)) {
                aggregator.disconnected(key);
            }
        }
    }
}
