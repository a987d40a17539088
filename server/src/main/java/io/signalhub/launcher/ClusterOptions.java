package io.signalhub.launcher;

import io.signalhub.verticles.Setting;
import io.signalhub.verticles.Settings;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;

import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509KeyManager;
import javax.net.ssl.X509TrustManager;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Settings of the standalone node's cluster: whether it starts a clustered {@code Vertx} with an embedded
 * Hazelcast member, and how. Only the launcher reads them; an application embedding the hub brings its own
 * {@code Vertx}. Each setting is written once, as a {@link Setting} constant; the keys sit in the same flat
 * {@code config/hub.json} as the hub's. Setters do not check; {@link #validate()} and the JSON constructor throw
 * {@code IllegalArgumentException("invalid hub setting '<key>': ...")}.
 *
 * <p>With {@link #CLUSTER_TLS} the clustered event bus (the TCP connections between nodes that carry signaling
 * frames and room events) runs mutual TLS: each node presents {@link #CLUSTER_TLS_CERT} and requires the other
 * node's certificate to be signed by {@link #CLUSTER_TLS_CA}. Host names are not verified (Vert.x's clustered event
 * bus turns that off for its connections: nodes reach each other by the address they publish, usually an IP
 * address): the CA is the trust root, so it must sign the cluster's node certificates and nothing else.
 * Hazelcast's own member protocol is not covered (see docs/configuration.md, "Cluster").
 */
public class ClusterOptions extends Settings<ClusterOptions> {

  public static final Setting<Boolean> CLUSTERED = Setting.ofBoolean("clustered", true,
      "join a Hazelcast cluster with an embedded member (`--no-cluster` sets `false`)");
  public static final Setting<String> CLUSTER_HOST = Setting.ofString("clusterHost", "127.0.0.1",
      "interface of the clustered event bus (loopback by default: the event bus is unauthenticated without `clusterTls`)")
    .rule(v -> !v.isBlank(), "must not be empty");
  public static final Setting<String> CLUSTER_CONFIG = Setting.ofString("clusterConfig", "",
      "Hazelcast XML file; empty for the built-in `config/cluster.xml`");

  public static final Setting<Long> CLUSTER_PING_INTERVAL_MS = Setting.ofLong("clusterPingIntervalMs", 1_000, "ms",
      "how often each event-bus connection to another node is pinged (Vert.x's default: 20000)")
    .rule(v -> v >= 100, "must be >= 100");
  public static final Setting<Long> CLUSTER_PING_TIMEOUT_MS = Setting.ofLong("clusterPingTimeoutMs", 4_000, "ms",
      "an event-bus connection to another node whose ping gets no pong this long is closed, and the next message opens "
        + "a new one; also the time a new connection may take to open (Vert.x's defaults: 20000 and 60000). Kept at the "
        + "cluster's failure detection (4 s): a connection that stalled through a partition is replaced while the nodes "
        + "are apart, instead of after the heal with what was written to it meanwhile")
    .rule(v -> v >= 100, "must be >= 100");

  public static final Setting<Boolean> CLUSTER_TLS = Setting.ofBoolean("clusterTls", false,
      "mutual TLS on the clustered event bus: each node presents `clusterTlsCert` and talks only to nodes whose "
        + "certificate `clusterTlsCa` signed; host names are not checked (use a CA that signs only this cluster's "
        + "nodes). Hazelcast's own protocol stays unauthenticated (docs/configuration.md, Cluster)");
  public static final Setting<String> CLUSTER_TLS_CERT = Setting.ofString("clusterTlsCert", "",
      "PEM file of this node's certificate (then any intermediate CA certificates), signed by `clusterTlsCa`; "
        + "needed with `clusterTls`")
    .rule(ClusterOptions::namedWhenTls, "must name a PEM file when clusterTls is true");
  public static final Setting<String> CLUSTER_TLS_KEY = Setting.ofString("clusterTlsKey", "",
      "PEM file of this node's private key, unencrypted (`PRIVATE KEY`, `RSA PRIVATE KEY` or `EC PRIVATE KEY`): readable only by the "
        + "hub's user; needed with `clusterTls`")
    .rule(ClusterOptions::namedWhenTls, "must name a PEM file when clusterTls is true");
  public static final Setting<String> CLUSTER_TLS_CA = Setting.ofString("clusterTlsCa", "",
      "PEM file of the CA certificate(s) that sign every node's certificate; needed with `clusterTls`")
    .rule(ClusterOptions::namedWhenTls, "must name a PEM file when clusterTls is true");

  /** Every setting, in the order of {@code config/hub.json}. */
  public static final List<Setting<?>> SETTINGS = List.of(CLUSTERED, CLUSTER_HOST, CLUSTER_CONFIG,
    CLUSTER_PING_INTERVAL_MS, CLUSTER_PING_TIMEOUT_MS, CLUSTER_TLS,
    CLUSTER_TLS_CERT, CLUSTER_TLS_KEY, CLUSTER_TLS_CA);

  /** Every default: clustered, event bus on loopback without TLS, the built-in Hazelcast configuration. */
  public ClusterOptions() {
    super(SETTINGS);
  }

  /**
   * Options read from JSON, then validated; absent keys keep their defaults, other keys are ignored.
   *
   * @throws IllegalArgumentException naming the key, when a value has the wrong type or breaks a rule
   */
  public ClusterOptions(JsonObject json) {
    super(SETTINGS, json);
  }

  /** {@link #CLUSTERED}. */
  public boolean isClustered() { return get(CLUSTERED); }
  public ClusterOptions setClustered(boolean v) { return set(CLUSTERED, v); }

  /** {@link #CLUSTER_HOST}. */
  public String getClusterHost() { return get(CLUSTER_HOST); }
  public ClusterOptions setClusterHost(String v) { return set(CLUSTER_HOST, v); }

  /** {@link #CLUSTER_CONFIG}. */
  public String getClusterConfig() { return get(CLUSTER_CONFIG); }

  /** {@link #CLUSTER_PING_INTERVAL_MS}. */
  public long getClusterPingIntervalMs() { return get(CLUSTER_PING_INTERVAL_MS); }
  public ClusterOptions setClusterPingIntervalMs(long v) { return set(CLUSTER_PING_INTERVAL_MS, v); }

  /** {@link #CLUSTER_PING_TIMEOUT_MS}. */
  public long getClusterPingTimeoutMs() { return get(CLUSTER_PING_TIMEOUT_MS); }
  public ClusterOptions setClusterPingTimeoutMs(long v) { return set(CLUSTER_PING_TIMEOUT_MS, v); }
  public ClusterOptions setClusterConfig(String v) { return set(CLUSTER_CONFIG, v); }

  /** {@link #CLUSTER_TLS}. */
  public boolean isClusterTls() { return get(CLUSTER_TLS); }
  public ClusterOptions setClusterTls(boolean v) { return set(CLUSTER_TLS, v); }

  /** {@link #CLUSTER_TLS_CERT}. */
  public String getClusterTlsCert() { return get(CLUSTER_TLS_CERT); }
  public ClusterOptions setClusterTlsCert(String v) { return set(CLUSTER_TLS_CERT, v); }

  /** {@link #CLUSTER_TLS_KEY}. */
  public String getClusterTlsKey() { return get(CLUSTER_TLS_KEY); }
  public ClusterOptions setClusterTlsKey(String v) { return set(CLUSTER_TLS_KEY, v); }

  /** {@link #CLUSTER_TLS_CA}. */
  public String getClusterTlsCa() { return get(CLUSTER_TLS_CA); }
  public ClusterOptions setClusterTlsCa(String v) { return set(CLUSTER_TLS_CA, v); }

  private static boolean namedWhenTls(String path, Settings<?> all) {
    return !all.get(CLUSTER_TLS) || !path.isBlank();
  }

  /**
   * Checks every rule, then, with {@link #CLUSTER_TLS}, reads the three PEM files as the event bus will: so that a
   * node with unusable TLS material stops at start instead of failing every connection to the other nodes.
   *
   * @return this
   * @throws IllegalArgumentException {@code invalid hub setting '<key>': <file>: <problem>}, naming the setting
   *     whose file is missing, unreadable, holds no PEM certificate or key, whose key does not match the
   *     certificate, or whose certificate the CA did not sign (or that expired, or is not valid yet)
   */
  @Override
  public ClusterOptions validate() {
    super.validate();
    if (isClusterTls()) {
      checkTlsFiles();
    }
    return this;
  }

  private void checkTlsFiles() {
    Buffer caPem = read(CLUSTER_TLS_CA);
    Buffer certPem = read(CLUSTER_TLS_CERT);
    Buffer keyPem = read(CLUSTER_TLS_KEY);
    X509TrustManager trust;
    try {
      KeyStore roots = KeyStore.getInstance(KeyStore.getDefaultType());
      roots.load(null, null);
      List<X509Certificate> cas = certificates(caPem);
      for (int i = 0; i < cas.size(); i++) {
        roots.setCertificateEntry("ca-" + i, cas.get(i));
      }
      TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(roots);
      trust = Arrays.stream(factory.getTrustManagers())
        .filter(X509TrustManager.class::isInstance).map(X509TrustManager.class::cast).findFirst()
        .orElseThrow(() -> new GeneralSecurityException("no X.509 trust manager"));
    } catch (Exception e) {
      throw invalid(CLUSTER_TLS_CA, "not a PEM CA certificate (" + e.getMessage() + ")");
    }
    try {
      certificates(certPem);
    } catch (Exception e) {
      throw invalid(CLUSTER_TLS_CERT, "not a PEM certificate (" + e.getMessage() + ")");
    }
    X509Certificate[] chain = chainOfMatchingKey(certPem, keyPem);
    try {
      // what the other nodes check: this node's chain as a client (connecting) and as a server (accepting)
      trust.checkClientTrusted(chain, "UNKNOWN");
      trust.checkServerTrusted(chain, "UNKNOWN");
    } catch (Exception e) {
      throw invalid(CLUSTER_TLS_CERT, "not accepted by clusterTlsCa " + Path.of(getClusterTlsCa()).toAbsolutePath()
        + " (" + e.getMessage() + ")");
    }
  }

  /**
   * The certificate chain this node will present, read as the event bus reads it, once the key is known to be
   * the certificate's (it signs what the certificate's public key verifies).
   *
   * @throws IllegalArgumentException naming {@link #CLUSTER_TLS_KEY} when the key is unreadable or another's
   */
  private X509Certificate[] chainOfMatchingKey(Buffer certPem, Buffer keyPem) {
    PrivateKey key;
    Certificate[] chain;
    try {
      // Vert.x's own PEM reader, as the event bus will read the files; given values, not paths, it needs no Vertx
      PemKeyCertOptions keyCert = new PemKeyCertOptions().setCertValue(certPem).setKeyValue(keyPem);
      String alias = keyCert.loadKeyStore(null).aliases().nextElement();
      X509KeyManager manager = Arrays.stream(keyCert.getKeyManagerFactory(null).getKeyManagers())
        .filter(X509KeyManager.class::isInstance).map(X509KeyManager.class::cast).findFirst()
        .orElseThrow(() -> new GeneralSecurityException("no X.509 key manager"));
      key = manager.getPrivateKey(alias);
      chain = manager.getCertificateChain(alias);
      if (key == null || chain == null || chain.length == 0) {
        throw new GeneralSecurityException("no key entry");
      }
    } catch (Exception e) {
      throw invalid(CLUSTER_TLS_KEY, "not a PEM private key for clusterTlsCert (" + e.getMessage() + ")");
    }
    try {
      byte[] probe = "signalhub cluster TLS key check".getBytes(StandardCharsets.US_ASCII);
      String algorithm = "EC".equals(key.getAlgorithm()) ? "SHA256withECDSA" : "SHA256with" + key.getAlgorithm();
      Signature sign = Signature.getInstance(algorithm);
      sign.initSign(key);
      sign.update(probe);
      Signature verify = Signature.getInstance(algorithm);
      verify.initVerify(chain[0].getPublicKey());
      verify.update(probe);
      if (!verify.verify(sign.sign())) {
        throw invalid(CLUSTER_TLS_KEY, "not the key of clusterTlsCert " + Path.of(getClusterTlsCert()).toAbsolutePath());
      }
    } catch (GeneralSecurityException e) {
      throw invalid(CLUSTER_TLS_KEY, "cannot check it against clusterTlsCert (" + e.getMessage() + ")");
    }
    return Arrays.copyOf(chain, chain.length, X509Certificate[].class);
  }

  /** The X.509 certificates of a PEM text, at least one. */
  private static List<X509Certificate> certificates(Buffer pem) throws GeneralSecurityException {
    List<X509Certificate> certificates = new ArrayList<>();
    for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem.getBytes()))) {
      certificates.add((X509Certificate) c);
    }
    if (certificates.isEmpty()) {
      throw new GeneralSecurityException("no certificate in it");
    }
    return certificates;
  }

  private Buffer read(Setting<String> setting) {
    Path path = Path.of(get(setting));
    try {
      return Buffer.buffer(Files.readAllBytes(path));
    } catch (IOException | RuntimeException e) {
      throw setting.invalid("cannot read " + path.toAbsolutePath() + " (" + e + ")");
    }
  }

  private IllegalArgumentException invalid(Setting<String> setting, String what) {
    return setting.invalid(Path.of(get(setting)).toAbsolutePath() + ": " + what);
  }
}
