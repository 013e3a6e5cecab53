package ai.aim.scheduler.client;

import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.CertificateUtils;
import io.grpc.util.AdvancedTlsX509TrustManager;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Key and trust managers that follow their PEM files, so a certificate renewed in place (cert-manager
 * rotating a Secret mounted as a directory) reaches new TLS connections without a restart. The
 * managers are grpc-java's {@link AdvancedTlsX509KeyManager} and {@link AdvancedTlsX509TrustManager};
 * this class reads the files once when a manager is made (a bad file is an exception then) and
 * again whenever a file's modification time changes, checked every {@code period} on one daemon
 * thread. A file that does not read (half written, or a key that does not match) keeps the previous
 * credentials and is tried again at the next check. (grpc-java's own file watching refreshes at
 * most once a minute.)
 *
 * <p>Thread-safe. {@link #close} stops the checks; the managers keep their last credentials.
 */
public final class WatchedTls implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WatchedTls.class);

    /** How often the files are checked by default. */
    public static final Duration DEFAULT_PERIOD = Duration.ofSeconds(2);

    /** One file set and how to load it. */
    private interface Loader {
        void load() throws IOException, GeneralSecurityException;
    }

    private record Watch(String what, List<Path> files, long[] seen, Loader loader) {}

    private final ScheduledExecutorService watcher;
    private final List<Watch> watches = new CopyOnWriteArrayList<>();

    public WatchedTls(Duration period) {
        this.watcher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "aim-tls-watch");
            t.setDaemon(true);
            return t;
        });
        long ms = Math.max(1, period.toMillis());
        watcher.scheduleWithFixedDelay(this::checkAll, ms, ms, TimeUnit.MILLISECONDS);
    }

    /** Reads a PEM private key file. */
    @FunctionalInterface
    public interface KeyReader {
        PrivateKey read(Path file) throws IOException, GeneralSecurityException;
    }

    /** A key manager presenting {@code certChain} with {@code privateKey} (PEM, PKCS#8). */
    public X509ExtendedKeyManager keyManager(Path certChain, Path privateKey)
            throws IOException, GeneralSecurityException {
        return keyManager(certChain, privateKey, WatchedTls::readPkcs8);
    }

    /**
     * A key manager presenting {@code certChain} with {@code privateKey}, the key read by {@code
     * keys} (for formats other than PKCS#8).
     */
    public X509ExtendedKeyManager keyManager(Path certChain, Path privateKey, KeyReader keys)
            throws IOException, GeneralSecurityException {
        AdvancedTlsX509KeyManager km = new AdvancedTlsX509KeyManager();
        watch("certificate " + certChain + " and key " + privateKey, List.of(certChain, privateKey),
                () -> {
                    X509Certificate[] chain = readCertificates(certChain);
                    PrivateKey key = keys.read(privateKey);
                    if (!keyBelongsTo(key, chain[0].getPublicKey())) {
                        throw new GeneralSecurityException(
                                "the private key does not belong to the first certificate");
                    }
                    km.updateIdentityCredentials(chain, key);
                });
        return km;
    }

    private static X509Certificate[] readCertificates(Path file) throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(file)) {
            X509Certificate[] chain = CertificateUtils.getX509Certificates(in);
            if (chain.length == 0) {
                throw new GeneralSecurityException("no certificate in " + file);
            }
            return chain;
        }
    }

    private static PrivateKey readPkcs8(Path file) throws IOException, GeneralSecurityException {
        try (InputStream in = Files.newInputStream(file)) {
            return CertificateUtils.getPrivateKey(in);
        }
    }

    /**
     * Whether {@code key} is the private half of {@code pub}: a probe signed with one verifies with
     * the other. True for a key algorithm this check does not know (the handshake will tell).
     */
    public static boolean keyBelongsTo(PrivateKey key, PublicKey pub) {
        String alg = switch (pub.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> null;
        };
        if (alg == null) {
            return true;
        }
        try {
            byte[] probe = "aim-tls-key-check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            Signature sign = Signature.getInstance(alg);
            sign.initSign(key);
            sign.update(probe);
            byte[] sig = sign.sign();
            Signature verify = Signature.getInstance(alg);
            verify.initVerify(pub);
            verify.update(probe);
            return verify.verify(sig);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /**
     * A trust manager accepting peers whose certificates {@code caCertificates} (PEM) signed; with
     * {@code verifyHostName} the peer's name must also match its certificate (a client checking its
     * server), without it only the signature counts (a server checking its clients).
     */
    public X509ExtendedTrustManager trustManager(Path caCertificates, boolean verifyHostName)
            throws IOException, GeneralSecurityException {
        AdvancedTlsX509TrustManager tm = AdvancedTlsX509TrustManager.newBuilder()
                .setVerification(verifyHostName
                        ? AdvancedTlsX509TrustManager.Verification.CERTIFICATE_AND_HOST_NAME_VERIFICATION
                        : AdvancedTlsX509TrustManager.Verification.CERTIFICATE_ONLY_VERIFICATION)
                .build();
        watch("CA certificates " + caCertificates, List.of(caCertificates),
                () -> tm.updateTrustCredentials(caCertificates.toFile()));
        return tm;
    }

    private void watch(String what, List<Path> files, Loader loader)
            throws IOException, GeneralSecurityException {
        long[] seen = modified(files);
        loader.load();
        watches.add(new Watch(what, files, seen, loader));
    }

    private void checkAll() {
        for (Watch w : watches) {
            try {
                long[] now = modified(w.files());
                if (java.util.Arrays.equals(now, w.seen())) {
                    continue;
                }
                w.loader().load();
                System.arraycopy(now, 0, w.seen(), 0, now.length);
                log.info("TLS {} reloaded", w.what());
            } catch (IOException | GeneralSecurityException | RuntimeException e) {
                log.warn("TLS {} changed but does not load, keeping the previous ones: {}", w.what(),
                        e.toString());
            }
        }
    }

    private static long[] modified(List<Path> files) throws IOException {
        long[] t = new long[files.size()];
        for (int i = 0; i < t.length; i++) {
            t[i] = Files.getLastModifiedTime(files.get(i)).to(TimeUnit.NANOSECONDS);
        }
        return t;
    }

    @Override
    public void close() {
        watcher.shutdownNow();
    }
}
