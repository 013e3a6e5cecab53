package ai.aim.scheduler;

import ai.aim.scheduler.config.SchedulerConfig.GrpcTls;
import io.grpc.BindableService;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import ai.aim.scheduler.client.WatchedTls;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The scheduler's gRPC server: one port serving every {@link BindableService} given (the sidecar
 * protocol, KEDA's external scaler, ...). Keep-alive pings from sidecars are allowed every 10 s so
 * that they can detect a lost scheduler. Plaintext, or TLS / mutual TLS with {@link GrpcTls}
 * (then every client, KEDA included, must present a certificate signed by {@code clientCa}).
 * Thread-safe; start once, close once.
 */
public final class SchedulerServer implements AutoCloseable {
    private final Server server;
    /** Follows the TLS files (null without TLS): a renewed certificate serves new connections. */
    private final WatchedTls watchedTls;

    public SchedulerServer(int port, List<BindableService> services) {
        this(port, services, null);
    }

    /**
     * @param tls TLS settings, {@code null} for plaintext
     * @throws IllegalArgumentException when a certificate or key file cannot be used
     */
    public SchedulerServer(int port, List<BindableService> services, GrpcTls tls) {
        this(port, services, tls, WatchedTls.DEFAULT_PERIOD);
    }

    /**
     * @param tls TLS settings, {@code null} for plaintext
     * @param tlsCheckPeriod how often the TLS files are checked for a renewed certificate
     * @throws IllegalArgumentException when a certificate or key file cannot be used
     */
    public SchedulerServer(int port, List<BindableService> services, GrpcTls tls, Duration tlsCheckPeriod) {
        this.watchedTls = tls == null ? null : new WatchedTls(tlsCheckPeriod);
        ServerBuilder<?> b;
        try {
            b = builder(port, tls, watchedTls);
        } catch (RuntimeException e) {
            if (watchedTls != null) {
                watchedTls.close();
            }
            throw e;
        }
        b = b
                .permitKeepAliveTime(10, TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(false);
        for (BindableService s : services) {
            b.addService(s);
        }
        this.server = b.build();
    }

    private static ServerBuilder<?> builder(int port, GrpcTls tls, WatchedTls watched) {
        ServerCredentials credentials = credentials(tls, watched);
        try {
            return Grpc.newServerBuilderForPort(port, credentials);
        } catch (IllegalArgumentException e) {
            // grpc-netty parses the PEM files here, not when the credentials are built.
            if (tls == null) {
                throw e;
            }
            throw new IllegalArgumentException("grpcTls.certChain/privateKey/clientCa: " + tls.certChain() + ", "
                    + tls.privateKey() + ", " + tls.clientCa() + " unusable (" + e.getMessage()
                    + "; expected: a PEM certificate chain, its PEM private key, PEM CA certificates)", e);
        }
    }

    static ServerCredentials credentials(GrpcTls tls, WatchedTls watched) {
        if (tls == null) {
            return InsecureServerCredentials.create();
        }
        TlsServerCredentials.Builder b = TlsServerCredentials.newBuilder();
        try {
            b.keyManager(watched.keyManager(
                    Path.of(tls.certChain()), Path.of(tls.privateKey()), SchedulerServer::readKey));
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException("grpcTls.certChain/privateKey: " + tls.certChain() + ", "
                    + tls.privateKey() + " unusable (" + e.getMessage()
                    + "; expected: a PEM certificate chain and its PEM private key)", e);
        }
        if (tls.mutual()) {
            try {
                b.trustManager(watched.trustManager(Path.of(tls.clientCa()), false))
                        .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
            } catch (IOException | GeneralSecurityException | RuntimeException e) {
                throw new IllegalArgumentException("grpcTls.clientCa: " + tls.clientCa() + " unusable ("
                        + e.getMessage() + "; expected: PEM CA certificates)", e);
            }
        }
        return b.build();
    }

    /** A PEM private key in PKCS#8, PKCS#1 (RSA) or SEC1 (EC) form. */
    static PrivateKey readKey(Path file) throws IOException, GeneralSecurityException {
        try (PEMParser parser = new PEMParser(Files.newBufferedReader(file, StandardCharsets.US_ASCII))) {
            Object o = parser.readObject();
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            if (o instanceof PEMKeyPair pair) {
                // SEC1 may leave the public key out, so take the private part alone.
                return converter.getPrivateKey(pair.getPrivateKeyInfo());
            }
            if (o instanceof PrivateKeyInfo info) {
                return converter.getPrivateKey(info);
            }
            throw new GeneralSecurityException("no unencrypted PEM private key in " + file);
        }
    }

    public SchedulerServer start() throws IOException {
        server.start();
        return this;
    }

    /** The bound port (useful with port 0). */
    public int port() {
        return server.getPort();
    }

    @Override
    public void close() {
        server.shutdownNow();
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (watchedTls != null) {
            watchedTls.close();
        }
    }
}
