package ai.aim.scheduler.webhook;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
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
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;

/**
 * A serving certificate, its private key and the CA that signed it, as PEM text (the layout of a
 * {@code kubernetes.io/tls} Secret: {@code tls.crt}, {@code tls.key}, {@code ca.crt}).
 *
 * <p>Immutable. {@link #selfSigned} makes a fresh CA and serving certificate for the webhook when
 * cert-manager is not used.
 *
 * @param caPem the CA certificate (the webhook configuration's {@code caBundle})
 * @param certPem the serving certificate
 * @param keyPem the serving certificate's private key
 */
public record CertificateBundle(String caPem, String certPem, String keyPem) {

  /**
   * Makes a new self-signed CA (EC P-256) and a serving certificate for {@code dnsNames} signed by
   * it, both valid from a minute before {@code now} for {@code validity}.
   */
  public static CertificateBundle selfSigned(List<String> dnsNames, Duration validity, Instant now) {
    if (dnsNames.isEmpty()) {
      throw new IllegalArgumentException("dnsNames: empty (expected: the webhook Service's DNS names)");
    }
    try {
      SecureRandom random = new SecureRandom();
      KeyPair caKeys = ecKeyPair(random);
      KeyPair leafKeys = ecKeyPair(random);
      Date from = Date.from(now.minus(Duration.ofMinutes(1)));
      Date to = Date.from(now.plus(validity));
      X500Name caName = new X500Name("CN=aim-webhook-ca");
      X509v3CertificateBuilder ca = new JcaX509v3CertificateBuilder(
          caName, new BigInteger(64, random), from, to, caName, caKeys.getPublic());
      ca.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
      ca.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      X509Certificate caCert = sign(ca, caKeys.getPrivate());

      X509v3CertificateBuilder leaf = new JcaX509v3CertificateBuilder(
          caName, new BigInteger(64, random), from, to, new X500Name("CN=" + dnsNames.get(0)), leafKeys.getPublic());
      leaf.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      leaf.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
      leaf.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
      GeneralName[] names = dnsNames.stream().map(n -> new GeneralName(GeneralName.dNSName, n)).toArray(GeneralName[]::new);
      leaf.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
      X509Certificate leafCert = sign(leaf, caKeys.getPrivate());
      return new CertificateBundle(pem(caCert), pem(leafCert), pem(new JcaPKCS8Generator(leafKeys.getPrivate(), null)));
    } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
      throw new IllegalStateException("cannot create the webhook certificate: " + e.getMessage(), e);
    }
  }

  /** The serving certificate, parsed. */
  public X509Certificate certificate() {
    return parseCertificate(certPem, "tls.crt");
  }

  /** The CA certificate, parsed. */
  public X509Certificate caCertificate() {
    return parseCertificate(caPem, "ca.crt");
  }

  /** The serving key, parsed (PKCS#8 or SEC1/PKCS#1 PEM). */
  public PrivateKey privateKey() {
    try (PEMParser parser = new PEMParser(new StringReader(keyPem))) {
      Object o = parser.readObject();
      JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
      if (o instanceof PEMKeyPair pair) {
        return converter.getKeyPair(pair).getPrivate();
      }
      if (o instanceof PrivateKeyInfo info) {
        return converter.getPrivateKey(info);
      }
      throw new IllegalArgumentException("tls.key: no private key found (expected: a PEM private key)");
    } catch (IOException e) {
      throw new IllegalArgumentException("tls.key: unreadable (" + e.getMessage() + ")", e);
    }
  }

  /** True when the serving certificate expires before {@code instant}. */
  public boolean expiresBefore(Instant instant) {
    return certificate().getNotAfter().toInstant().isBefore(instant);
  }

  private static X509Certificate parseCertificate(String pem, String what) {
    try {
      return (X509Certificate) CertificateFactory.getInstance("X.509")
          .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new IllegalArgumentException(what + ": unreadable (expected: a PEM X.509 certificate)", e);
    }
  }

  private static KeyPair ecKeyPair(SecureRandom random) throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"), random);
    return g.generateKeyPair();
  }

  private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key)
      throws OperatorCreationException, GeneralSecurityException {
    ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(key);
    return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
  }

  private static String pem(Object o) throws IOException {
    if (o instanceof JcaPKCS8Generator g) {
      o = g.generate();
    }
    StringWriter out = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(out)) {
      w.writeObject(o);
    }
    return out.toString();
  }
}
