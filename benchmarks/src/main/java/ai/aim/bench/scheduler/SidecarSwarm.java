package ai.aim.bench.scheduler;

import ai.aim.scheduler.client.v1.Hello;
import ai.aim.scheduler.client.v1.LoadReport;
import ai.aim.scheduler.client.v1.ModelLoad;
import ai.aim.scheduler.client.v1.PartitionTelemetry;
import ai.aim.scheduler.client.v1.Priority;
import ai.aim.scheduler.client.v1.PriorityLoad;
import ai.aim.scheduler.client.v1.SchedulerDirective;
import ai.aim.scheduler.client.v1.SchedulerServiceGrpc;
import ai.aim.scheduler.client.v1.SidecarMessage;
import ai.aim.scheduler.client.v1.SloState;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Many simulated sidecars in one process (run as a child of {@link SchedulerScale} so that its CPU
 * is not counted as the scheduler's): raw {@code Connect} streams spread over a few channels, each
 * sending a Hello and then a realistic report (one model, three priorities, SLO state, one
 * partition) once a second, phases spread over the second.
 *
 * <p>{@code java -cp aim-bench.jar ai.aim.bench.scheduler.SidecarSwarm HOST:PORT SIDECARS SECONDS}
 */
public final class SidecarSwarm {
    private SidecarSwarm() {
    }

    public static void main(String[] args) throws Exception {
        String target = args[0];
        int sidecars = Integer.parseInt(args[1]);
        int seconds = Integer.parseInt(args[2]);
        int channels = Math.max(1, sidecars / 200);
        List<ManagedChannel> chans = new ArrayList<>();
        for (int i = 0; i < channels; i++) {
            chans.add(NettyChannelBuilder.forTarget(target).usePlaintext().directExecutor().build());
        }
        ScheduledExecutorService timer = Executors.newScheduledThreadPool(2);
        AtomicLong sent = new AtomicLong();
        List<ClientCallStreamObserver<SidecarMessage>> streams = new ArrayList<>();
        for (int i = 0; i < sidecars; i++) {
            var stub = SchedulerServiceGrpc.newStub(chans.get(i % channels));
            java.util.concurrent.atomic.AtomicReference<ClientCallStreamObserver<SidecarMessage>> holder =
                    new java.util.concurrent.atomic.AtomicReference<>();
            stub.connect(new ClientResponseObserver<SidecarMessage, SchedulerDirective>() {
                @Override
                public void beforeStart(ClientCallStreamObserver<SidecarMessage> s) {
                    holder.set(s);
                }

                @Override
                public void onNext(SchedulerDirective value) {
                }

                @Override
                public void onError(Throwable t) {
                }

                @Override
                public void onCompleted() {
                }
            });
            var stream = holder.get();
            String pod = "model-" + (i % 400) + "-pod-" + i;
            String model = "model-" + (i % 400);
            synchronized (stream) {
                stream.onNext(SidecarMessage.newBuilder().setSequence(1).setHello(Hello.newBuilder()
                        .setPod(pod).setNamespace("bench").addModels(model).setNode("node-" + (i % 1000)).setVersion("bench")).build());
            }
            streams.add(stream);
            long[] seq = {1};
            long phase = ThreadLocalRandom.current().nextLong(1000);
            timer.scheduleAtFixedRate(() -> {
                LoadReport report = report(model);
                synchronized (stream) {
                    if (stream.isReady()) {
                        stream.onNext(SidecarMessage.newBuilder().setSequence(++seq[0]).setReport(report).build());
                        sent.incrementAndGet();
                    }
                }
            }, phase, 1000, TimeUnit.MILLISECONDS);
        }
        Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
        timer.shutdownNow();
        for (var s : streams) {
            synchronized (s) {
                s.onCompleted();
            }
        }
        for (ManagedChannel c : chans) {
            c.shutdownNow();
        }
        System.out.println("sent " + sent.get());
    }

    static LoadReport report(String model) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return LoadReport.newBuilder().setTimestampUnixMillis(System.currentTimeMillis())
                .addModels(ModelLoad.newBuilder().setModel(model)
                        .addPriorities(PriorityLoad.newBuilder().setPriority(Priority.PRIORITY_HIGH).setQueued(r.nextInt(5)).setArrivalRate(5))
                        .addPriorities(PriorityLoad.newBuilder().setPriority(Priority.PRIORITY_MEDIUM).setQueued(r.nextInt(20)).setArrivalRate(20))
                        .addPriorities(PriorityLoad.newBuilder().setPriority(Priority.PRIORITY_LOW).setQueued(r.nextInt(50)).setArrivalRate(10))
                        .setInFlight(r.nextInt(16)).setLimit(16).setArrivalRate(35).setAdmittedRate(33).setShedRate(2)
                        .setLatencyP50Seconds(0.2).setLatencyP99Seconds(0.9).setServiceTimeSeconds(0.25)
                        .addSlos(SloState.newBuilder().setPriority(Priority.PRIORITY_HIGH).setWindow("5m").setCompliance(0.995).setBurnRate(0.5)))
                .addPartitions(PartitionTelemetry.newBuilder().setGpuId("0").setPartitionId("3").setComputeMode("CPX")
                        .setMemoryMode("NPS4").setMemoryTotalBytes(24L << 30).setMemoryUsedBytes(18L << 30).setUtilization(0.7))
                .build();
    }
}
