package ai.aim.proxy.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * TLS for the client-facing listeners (the HTTP port, where ALPN picks h2 or http/1.1, and the
 * gRPC port); the admin port always stays plain. Immutable; the files are read when the listeners
 * start ({@code ai.aim.proxy.tls.ServerTls}).
 *
 * @param certChain PEM certificate chain, the serving certificate first
 * @param privateKey PEM PKCS#8 private key of the serving certificate
 * @param clientCa PEM CA certificates that sign client certificates; when set, every client must
 *     present one (mutual TLS); {@code null} for server-only TLS
 */
public record ListenerTls(Path certChain, Path privateKey, Path clientCa) {

  public ListenerTls {
    Objects.requireNonNull(certChain, "certChain");
    Objects.requireNonNull(privateKey, "privateKey");
  }

  /** True when clients must present a certificate signed by {@link #clientCa()}. */
  public boolean mutual() {
    return clientCa != null;
  }
}
