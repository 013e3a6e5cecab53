package ai.aim.proxy.grpc;

import ai.aim.proxy.admission.Priority;
import ai.aim.proxy.metrics.RequestObserver;
import ai.aim.proxy.propagation.PriorityPropagation;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.UnaryOperator;

/** What every forwarded call of one proxy shares. Immutable; safe on any thread. */
record ProxySettings(
    GrpcAdmission admission,
    RequestObserver observer,
    UnaryOperator<String> modelFolding,
    Function<String, Priority> defaultPriority,
    PriorityPropagation propagation,
    LongSupplier nanoClock) {}
