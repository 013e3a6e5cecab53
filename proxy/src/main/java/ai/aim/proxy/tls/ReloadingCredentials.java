package ai.aim.proxy.tls;

import ai.aim.proxy.config.ConfigException;
import ai.aim.proxy.config.ListenerTls;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listeners' certificate, key and client CA, read from their files and read again when the
 * files change, so that a rotated certificate (cert-manager renews before expiry and rewrites the
 * mounted secret) is served to new connections without a restart. Connections already open keep
 * the certificate they were set up with.
 *
 * <p>The TLS contexts are built once over a {@link #keyManager()} and a {@link #trustManager()}
 * that delegate to the current material, which handshakes consult each time. Each generation
 * of material has its own key alias, and the previous generation stays resolvable, so a handshake
 * that chose its alias just before a swap still gets a key and chain that belong together.
 *
 * <p>A change is applied only if the new files pass the same checks as at start (PEM
 * certificates, a PKCS#8 key that belongs to the first certificate, a readable CA file); otherwise
 * the current material stays and the failure is logged and counted. A certificate is often
 * written before its key: a half-written pair fails the check and is taken once both are there.
 *
 * <p>Threads: {@link #reloadIfChanged()} from one thread at a time (the sidecar's watcher);
 * the managers from any handshake thread.
 */
public final class ReloadingCredentials {
  private static final Logger log = LoggerFactory.getLogger(ReloadingCredentials.class);

  /** One generation of key material: immutable. */
  private record Material(
      String alias,
      X509Certificate[] chain,
      X509ExtendedKeyManager keys,
      X509ExtendedTrustManager clientTrust,
      String fingerprint) {}

  private final ListenerTls files;
  private volatile Material current;
  private volatile Material previous;
  private long generation;
  private final AtomicLong reloads = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private final X509ExtendedKeyManager keyManager = new KeyManager();
  private final X509ExtendedTrustManager trustManager = new TrustManagerImpl();

  /**
   * Reads the files once.
   *
   * @throws ConfigException when a file is missing, unreadable or does not pass the checks
   */
  public ReloadingCredentials(ListenerTls files) throws ConfigException {
    this.files = Objects.requireNonNull(files, "files");
    this.current = read(fingerprint());
  }

  /** The files this reads. */
  public ListenerTls files() {
    return files;
  }

  /** Serves the current certificate chain and key. */
  public X509ExtendedKeyManager keyManager() {
    return keyManager;
  }

  /** Checks client certificates against the current client CA (mutual TLS only). */
  public X509ExtendedTrustManager trustManager() {
    return trustManager;
  }

  /** Changes applied since start. */
  public long reloads() {
    return reloads.get();
  }

  /** Changes seen but not applied because the new files did not pass the checks. */
  public long failures() {
    return failures.get();
  }

  /**
   * Reads the files again if their size or modification time changed since the material in use
   * was read. Returns whether new material is now served.
   */
  public boolean reloadIfChanged() {
    String fp = fingerprint();
    if (fp.equals(current.fingerprint())) {
      return false;
    }
    try {
      Material next = read(fp);
      previous = current;
      current = next;
      reloads.incrementAndGet();
      log.info("TLS certificate reloaded from {} (serial {}, valid until {})", files.certChain(),
          next.chain()[0].getSerialNumber().toString(16), next.chain()[0].getNotAfter().toInstant());
      return true;
    } catch (ConfigException e) {
      failures.incrementAndGet();
      // Not taken: the fingerprint stays old, so the next check tries again (the second file
      // of a pair being written may still be missing).
      log.warn("TLS files changed but were not taken, the previous certificate stays: {}",
          e.getMessage());
      return false;
    }
  }

  private Material read(String fingerprint) throws ConfigException {
    List<X509Certificate> chain = ServerTls.certificates(files.certChain(), "tls.certChain");
    PrivateKey key = ServerTls.privateKey(files.privateKey(), chain.get(0).getPublicKey());
    X509ExtendedTrustManager trust = null;
    if (files.mutual()) {
      trust = trustManager(ServerTls.certificates(files.clientCa(), "tls.clientCa"));
    }
    String alias = "aim-" + (++generation);
    X509Certificate[] certs = chain.toArray(new X509Certificate[0]);
    return new Material(alias, certs, keyManager(alias, key, certs), trust, fingerprint);
  }

  /**
   * The platform's key manager over one entry: it decides, as for a key store on disk, whether
   * the key suits the key type a handshake asks for.
   */
  private X509ExtendedKeyManager keyManager(String alias, PrivateKey key, X509Certificate[] chain)
      throws ConfigException {
    try {
      char[] none = new char[0];
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(null, null);
      ks.setKeyEntry(alias, key, none, chain);
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, none);
      for (javax.net.ssl.KeyManager km : kmf.getKeyManagers()) {
        if (km instanceof X509ExtendedKeyManager x) {
          return x;
        }
      }
      throw new ConfigException("tls.privateKey: " + files.privateKey() + " gives no X.509 key manager");
    } catch (GeneralSecurityException | IOException e) {
      throw new ConfigException("tls.privateKey: " + files.privateKey() + " cannot be used ("
          + e.getMessage() + ")", e);
    }
  }

  private X509ExtendedTrustManager trustManager(List<X509Certificate> cas) throws ConfigException {
    try {
      KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
      ks.load(null, null);
      int i = 0;
      for (X509Certificate ca : cas) {
        ks.setCertificateEntry("ca-" + i++, ca);
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      for (TrustManager tm : tmf.getTrustManagers()) {
        if (tm instanceof X509ExtendedTrustManager x) {
          return x;
        }
      }
      throw new ConfigException("tls.clientCa: " + files.clientCa() + " gives no X.509 trust manager");
    } catch (GeneralSecurityException | IOException e) {
      throw new ConfigException("tls.clientCa: " + files.clientCa() + " cannot be used ("
          + e.getMessage() + ")", e);
    }
  }

  /** Size and modification time of every file, or a marker for one that cannot be read now. */
  private String fingerprint() {
    StringBuilder sb = new StringBuilder();
    for (Path p : new Path[] {files.certChain(), files.privateKey(), files.clientCa()}) {
      if (p == null) {
        continue;
      }
      try {
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
        sb.append(a.size()).append('@').append(a.lastModifiedTime().toMillis()).append(';');
      } catch (IOException e) {
        sb.append("missing;");
      }
    }
    return sb.toString();
  }

  private Material byAlias(String alias) {
    Material c = current;
    if (c.alias().equals(alias)) {
      return c;
    }
    Material p = previous;
    return p != null && p.alias().equals(alias) ? p : null;
  }

  private final class KeyManager extends X509ExtendedKeyManager {
    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
      return current.keys().getServerAliases(keyType, issuers);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
      return current.keys().chooseServerAlias(keyType, issuers, socket);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
      return current.keys().chooseEngineServerAlias(keyType, issuers, engine);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      Material m = byAlias(alias);
      return m == null ? null : m.keys().getCertificateChain(alias);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      Material m = byAlias(alias);
      return m == null ? null : m.keys().getPrivateKey(alias);
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
      return null; // server side only
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
      return null;
    }
  }

  private final class TrustManagerImpl extends X509ExtendedTrustManager {
    private X509ExtendedTrustManager delegate() throws CertificateException {
      X509ExtendedTrustManager t = current.clientTrust();
      if (t == null) {
        throw new CertificateException("no client CA configured");
      }
      return t;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      delegate().checkClientTrusted(chain, authType, socket);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      delegate().checkClientTrusted(chain, authType, engine);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      delegate().checkClientTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      throw new CertificateException("server side only");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      throw new CertificateException("server side only");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      throw new CertificateException("server side only");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      X509ExtendedTrustManager t = current.clientTrust();
      return t == null ? new X509Certificate[0] : t.getAcceptedIssuers();
    }
  }
}
