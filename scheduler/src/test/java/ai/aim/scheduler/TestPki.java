package ai.aim.scheduler;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
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
 * A throw-away PKI as PEM files: a CA, a server certificate for {@code localhost} / {@code
 * 127.0.0.1} and a client certificate (a sidecar's), both signed by the CA.
 */
record TestPki(Path ca, Path serverCert, Path serverKey, Path clientCert, Path clientKey) {

    static TestPki create(Path dir, String caName) throws Exception {
        SecureRandom random = new SecureRandom();
        KeyPair caKeys = ec(random);
        X500Name issuer = new X500Name("CN=" + caName);
        X509v3CertificateBuilder cab = builder(issuer, issuer, caKeys, random);
        cab.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
        cab.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        X509Certificate ca = sign(cab, caKeys.getPrivate());

        KeyPair serverKeys = ec(random);
        X509v3CertificateBuilder sb = builder(issuer, new X500Name("CN=aim-scheduler"), serverKeys, random);
        sb.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
        sb.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
            new GeneralName(GeneralName.dNSName, "localhost"),
            new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
        X509Certificate server = sign(sb, caKeys.getPrivate());

        KeyPair clientKeys = ec(random);
        X509v3CertificateBuilder cb = builder(issuer, new X500Name("CN=sidecar-pod-a"), clientKeys, random);
        cb.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
        X509Certificate client = sign(cb, caKeys.getPrivate());

        Files.createDirectories(dir);
        return new TestPki(
                Files.writeString(dir.resolve("ca.crt"), pem(ca)),
                Files.writeString(dir.resolve("tls.crt"), pem(server)),
                Files.writeString(dir.resolve("tls.key"), pem(new JcaPKCS8Generator(serverKeys.getPrivate(), null).generate())),
                Files.writeString(dir.resolve("client.crt"), pem(client)),
                Files.writeString(dir.resolve("client.key"), pem(new JcaPKCS8Generator(clientKeys.getPrivate(), null).generate())));
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keys, SecureRandom random) {
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(issuer, new BigInteger(64, random),
                Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(Duration.ofDays(1))), subject, keys.getPublic());
    }

    private static KeyPair ec(SecureRandom random) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"), random);
        return g.generateKeyPair();
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey key) throws Exception {
        return new JcaX509CertificateConverter().getCertificate(b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key)));
    }

    private static String pem(Object o) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(o);
        }
        return out.toString();
    }
}
