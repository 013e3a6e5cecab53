package ai.aim.proxy.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throw-away PKI for tests: a CA (EC P-256), a serving certificate for {@code localhost} and
 * {@code 127.0.0.1}, and a client certificate, all signed by the CA, written as PEM files the way
 * a {@code kubernetes.io/tls} Secret holds them (PKCS#8 keys). Plus JDK {@link SSLContext}s for
 * clients that trust the CA, with or without the client certificate.
 */
public final class TestCertificates {

  public final Path caCert;
  public final Path serverCert;
  public final Path serverKey;
  public final Path clientCert;
  public final Path clientKey;
  private final X509Certificate ca;
  private final X509Certificate client;
  private final PrivateKey clientPrivate;
  private final PrivateKey serverPrivate;

  private TestCertificates(Path dir, String caName) throws Exception {
    SecureRandom random = new SecureRandom();
    KeyPair caKeys = ec(random);
    X500Name issuer = new X500Name("CN=" + caName);
    X509v3CertificateBuilder cab = builder(issuer, issuer, caKeys, random);
    cab.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
    cab.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    ca = sign(cab, caKeys.getPrivate());

    KeyPair serverKeys = ec(random);
    X509v3CertificateBuilder sb = builder(issuer, new X500Name("CN=localhost"), serverKeys, random);
    sb.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    sb.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
    sb.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
        new GeneralName(GeneralName.dNSName, "localhost"),
        new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
    X509Certificate server = sign(sb, caKeys.getPrivate());
    serverPrivate = serverKeys.getPrivate();

    KeyPair clientKeys = ec(random);
    X509v3CertificateBuilder clb = builder(issuer, new X500Name("CN=test-client"), clientKeys, random);
    clb.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    clb.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
    client = sign(clb, caKeys.getPrivate());
    clientPrivate = clientKeys.getPrivate();

    Files.createDirectories(dir);
    caCert = write(dir.resolve("ca.crt"), pem(ca));
    serverCert = write(dir.resolve("tls.crt"), pem(server) + pem(ca));
    serverKey = write(dir.resolve("tls.key"), pem(new JcaPKCS8Generator(serverPrivate, null).generate()));
    clientCert = write(dir.resolve("client.crt"), pem(client));
    clientKey = write(dir.resolve("client.key"), pem(new JcaPKCS8Generator(clientPrivate, null).generate()));
  }

  /** A new CA with its server and client certificates, as files under {@code dir}. */
  public static TestCertificates create(Path dir) throws Exception {
    return new TestCertificates(dir, "aim-test-ca");
  }

  /** A second, unrelated PKI (for "unknown CA" cases). */
  static TestCertificates other(Path dir) throws Exception {
    return new TestCertificates(dir, "aim-other-ca");
  }

  /** The server key in the traditional SEC1 form ({@code BEGIN EC PRIVATE KEY}). */
  Path writeServerKeyAsSec1(Path file) throws IOException {
    return write(file, pem(serverPrivate));
  }

  /** A client context trusting this CA; with the client certificate when {@code withCert}. */
  SSLContext clientContext(boolean withCert) throws GeneralSecurityException, IOException {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", ca);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    KeyManagerFactory kmf = null;
    if (withCert) {
      char[] pw = "test".toCharArray();
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(null, null);
      keys.setKeyEntry("client", clientPrivate, pw, new Certificate[] {client, ca});
      kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(keys, pw);
    }
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    return ctx;
  }

  private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keys,
      SecureRandom random) {
    Instant now = Instant.now();
    return new JcaX509v3CertificateBuilder(issuer, new BigInteger(64, random),
        Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(Duration.ofDays(1))),
        subject, keys.getPublic());
  }

  private static KeyPair ec(SecureRandom random) throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"), random);
    return g.generateKeyPair();
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key) throws Exception {
    return new JcaX509CertificateConverter()
        .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key)));
  }

  private static String pem(Object o) throws IOException {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(out)) {
      w.writeObject(o);
    }
    return out.toString();
  }

  private static Path write(Path file, String text) throws IOException {
    return Files.writeString(file, text);
  }
}
