package ai.aim.proxy.tls;

import ai.aim.proxy.config.ConfigException;
import ai.aim.proxy.config.ListenerTls;
import ai.aim.scheduler.client.WatchedTls;
import io.grpc.netty.GrpcSslContexts;
import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.KeyManagerFactoryWrapper;
import io.netty.handler.ssl.util.TrustManagerFactoryWrapper;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;

/**
 * Builds the Netty {@link SslContext}s of the client-facing listeners from {@link ListenerTls}:
 * one for the HTTP port (ALPN offering h2, then http/1.1) and one for the gRPC port (grpc-java's
 * h2-only settings). With {@link ListenerTls#clientCa()} set, both require a client certificate
 * signed by it.
 *
 * <p>The files are read and checked when the credentials are made ({@link ReloadingCredentials}),
 * so that a wrong file stops the sidecar at start-up with a message naming the key and the
 * problem, instead of failing every handshake later: the chain must hold PEM certificates, the key
 * must be unencrypted PEM PKCS#8 and must belong to the first certificate. The contexts consult
 * the credentials on each handshake, so files changed later take effect for new connections once
 * {@link ReloadingCredentials#reloadIfChanged()} has read them. Stateless; the contexts it returns
 * are thread-safe.
 */
public final class ServerTls {

  private static final Pattern PKCS8 = Pattern.compile(
      "-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

  private ServerTls() {}

  /** The HTTP port's context: TLS 1.2/1.3, ALPN {@code h2} then {@code http/1.1}. */
  public static SslContext http(ListenerTls tls) throws ConfigException {
    return http(new ReloadingCredentials(tls));
  }

  /**
   * The HTTP port's context over credentials that follow their files: each handshake gets the
   * certificate and client CA current at that moment.
   */
  public static SslContext http(ReloadingCredentials tls) throws ConfigException {
    SslContextBuilder b = builder(tls)
        .ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
        .applicationProtocolConfig(new ApplicationProtocolConfig(
            ApplicationProtocolConfig.Protocol.ALPN,
            // A client that offers neither protocol is served HTTP/1.1 without ALPN.
            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
            ApplicationProtocolNames.HTTP_2,
            ApplicationProtocolNames.HTTP_1_1));
    return build(b, tls.files());
  }

  /** The gRPC port's context (ALPN {@code h2}, the ciphers HTTP/2 allows). */
  public static SslContext grpc(ListenerTls tls) throws ConfigException {
    return grpc(new ReloadingCredentials(tls));
  }

  /** The gRPC port's context over credentials that follow their files. */
  public static SslContext grpc(ReloadingCredentials tls) throws ConfigException {
    // The JDK provider asks the key and trust managers on every handshake (OpenSSL's may cache
    // the key material), which is what lets a rotated certificate take effect.
    return build(GrpcSslContexts.configure(builder(tls), SslProvider.JDK), tls.files());
  }

  private static SslContextBuilder builder(ReloadingCredentials tls) {
    SslContextBuilder b = SslContextBuilder.forServer(new KeyManagerFactoryWrapper(tls.keyManager()))
        .sslProvider(SslProvider.JDK)
        .protocols("TLSv1.3", "TLSv1.2");
    if (tls.files().mutual()) {
      b.trustManager(new TrustManagerFactoryWrapper(tls.trustManager()))
          .clientAuth(ClientAuth.REQUIRE);
    }
    return b;
  }

  private static SslContext build(SslContextBuilder b, ListenerTls tls) throws ConfigException {
    try {
      return b.build();
    } catch (SSLException | RuntimeException e) {
      throw new ConfigException("tls: cannot set up TLS with " + tls.certChain() + " and "
          + tls.privateKey() + " (" + e.getMessage() + ")", e);
    }
  }

  static List<X509Certificate> certificates(Path file, String key) throws ConfigException {
    byte[] pem = read(file, key);
    try {
      List<X509Certificate> certs = CertificateFactory.getInstance("X.509")
          .generateCertificates(new ByteArrayInputStream(pem)).stream()
          .map(c -> (X509Certificate) c)
          .toList();
      if (certs.isEmpty()) {
        throw new ConfigException(key + ": " + file + " holds no certificate (expected: PEM"
            + " '-----BEGIN CERTIFICATE-----' blocks)");
      }
      return certs;
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new ConfigException(key + ": " + file + " is not a PEM certificate file ("
          + e.getMessage() + ")", e);
    }
  }

  static PrivateKey privateKey(Path file, PublicKey certificateKey) throws ConfigException {
    String pem = new String(read(file, "tls.privateKey"), StandardCharsets.US_ASCII);
    Matcher m = PKCS8.matcher(pem);
    if (!m.find()) {
      String why;
      if (pem.contains("BEGIN RSA PRIVATE KEY") || pem.contains("BEGIN EC PRIVATE KEY")) {
        why = "a PKCS#1/SEC1 key; convert it with 'openssl pkcs8 -topk8 -nocrypt', or set"
            + " cert-manager's privateKey.encoding: PKCS8";
      } else if (pem.contains("BEGIN ENCRYPTED PRIVATE KEY")) {
        why = "an encrypted key; the sidecar takes unencrypted keys (protect the file instead)";
      } else {
        why = "no '-----BEGIN PRIVATE KEY-----' block";
      }
      throw new ConfigException("tls.privateKey: " + file + " holds " + why
          + " (expected: an unencrypted PEM PKCS#8 key)");
    }
    PrivateKey key;
    try {
      byte[] der = Base64.getMimeDecoder().decode(m.group(1));
      key = KeyFactory.getInstance(certificateKey.getAlgorithm())
          .generatePrivate(new PKCS8EncodedKeySpec(der));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new ConfigException("tls.privateKey: " + file + " is not a " + certificateKey.getAlgorithm()
          + " PKCS#8 key matching tls.certChain (" + e.getMessage() + ")", e);
    }
    if (!WatchedTls.keyBelongsTo(key, certificateKey)) {
      throw new ConfigException("tls.privateKey: " + file
          + " does not belong to the first certificate of tls.certChain (expected: the serving"
          + " certificate's own key)");
    }
    return key;
  }

  private static byte[] read(Path file, String key) throws ConfigException {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new ConfigException(key + ": " + file + " cannot be read (" + e.getMessage() + ")", e);
    }
  }
}
