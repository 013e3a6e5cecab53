/**
 * The gRPC pass-through of the sidecar: a grpc-java server that forwards any service and method
 * to the model server as opaque bytes, with admission, deadlines, cancellation and flow control.
 *
 * <p>Entry point: {@link ai.aim.proxy.grpc.GrpcProxy}. Admission seam: {@link
 * ai.aim.proxy.grpc.GrpcAdmission}, which receives a {@link ai.aim.proxy.grpc.CallHead} per call.
 * Everything else is package-private.
 */
package ai.aim.proxy.grpc;
