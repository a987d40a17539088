package io.signalhub;

import io.signalhub.verticles.HubOptions;
import io.signalhub.verticles.ServerTls;
import io.signalhub.verticles.Setting;
import io.signalhub.verticles.Settings;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * Settings of the hub's own HTTP server, the one {@link SignalingHub#deploy(HubServerOptions)} starts: where
 * it listens and whether it serves the demo page. An application that mounts
 * {@link SignalingHub#webSocketHandler()} on its own router has no use for them.
 *
 * <p>Like {@link HubOptions}, each setting is written once, as a {@link Setting} constant (key, default,
 * meaning, rule), and the accessors delegate to it; the keys sit in the same flat {@code config/hub.json}.
 * Setters do not check; {@link #validate()} and the JSON constructor throw
 * {@code IllegalArgumentException("invalid hub setting '<key>': ...")}, and
 * {@link SignalingHub#deploy(HubServerOptions)} fails its future with it.
 */
public class HubServerOptions extends Settings<HubServerOptions> {

  public static final Setting<String> HOST = Setting.ofString("host", "127.0.0.1",
      "interface of the hub's HTTP/WebSocket server; `0.0.0.0` for all interfaces (default: loopback only)")
    .rule(v -> !v.isBlank(), "must not be empty");
  public static final Setting<Integer> PORT = Setting.ofInt("port", 8080, "",
      "port of the hub's HTTP/WebSocket server; `0` picks a free one")
    .rule(v -> v >= 0 && v <= 65535, "must be 0..65535 (0 = any free port)");
  public static final Setting<Boolean> DEMO = Setting.ofBoolean("demo", true,
      "serve the demo page at `/` of the hub's server");

  public static final Setting<String> TLS_CERT = Setting.ofString("tlsCert", "",
      "PEM file of the server's certificate chain (its certificate first): the server speaks only HTTPS and `wss://`; "
        + "read again when it changes (`tlsReloadCheckMs`). Empty: plain HTTP (put a TLS proxy in front)");
  public static final Setting<String> TLS_KEY = Setting.ofString("tlsKey", "",
      "PEM file of the server certificate's private key (PKCS#8 `PRIVATE KEY`, or `RSA PRIVATE KEY`), unencrypted, "
        + "readable only by the hub's user")
    .rule((v, all) -> v.isEmpty() == all.get(TLS_CERT).isEmpty(), "tlsCert and tlsKey go together");
  public static final Setting<Long> TLS_RELOAD_CHECK_MS = Setting.ofLong("tlsReloadCheckMs", 10_000, "ms",
      "how often `tlsCert` and `tlsKey` are checked for a change (a renewed certificate): new connections then get "
        + "the new one, open ones keep theirs, no restart")
    .rule(v -> v >= 100, "must be >= 100");

  public static final Setting<String> ADMIN_SECRET = Setting.ofString("adminSecret", "",
      "bearer token of the admin API (`/admin/...`: list rooms, remove peers, close rooms; docs/configuration.md, "
        + "Admin API), at least 32 characters; empty = no admin API")
    .rule(v -> v.isEmpty() || v.length() >= 32, "must be empty (no admin API) or at least 32 characters")
    .secret();

  /** Every setting, in the order of {@code config/hub.json}. */
  public static final List<Setting<?>> SETTINGS = List.of(HOST, PORT, DEMO, TLS_CERT, TLS_KEY, TLS_RELOAD_CHECK_MS,
    ADMIN_SECRET);

  /** Every default: loopback, port 8080, demo page on. */
  public HubServerOptions() {
    super(SETTINGS);
  }

  /** A copy of {@code other}. */
  public HubServerOptions(HubServerOptions other) {
    this(other.toJson());
  }

  /**
   * Options read from JSON, then validated; absent keys keep their defaults, other keys are ignored.
   *
   * @throws IllegalArgumentException naming the key, when a value has the wrong type or breaks a rule
   */
  public HubServerOptions(JsonObject json) {
    super(SETTINGS, json);
  }

  /** {@link #HOST}. */
  public String getHost() { return get(HOST); }
  public HubServerOptions setHost(String v) { return set(HOST, v); }

  /** {@link #PORT}. */
  public int getPort() { return get(PORT); }
  public HubServerOptions setPort(int v) { return set(PORT, v); }

  /** {@link #DEMO}. */
  public boolean isDemo() { return get(DEMO); }
  public HubServerOptions setDemo(boolean v) { return set(DEMO, v); }

  /** {@link #TLS_CERT}. */
  public String getTlsCert() { return get(TLS_CERT); }
  public HubServerOptions setTlsCert(String v) { return set(TLS_CERT, v); }

  /** {@link #TLS_KEY}. */
  public String getTlsKey() { return get(TLS_KEY); }
  public HubServerOptions setTlsKey(String v) { return set(TLS_KEY, v); }

  /** {@link #TLS_RELOAD_CHECK_MS}. */
  public long getTlsReloadCheckMs() { return get(TLS_RELOAD_CHECK_MS); }
  public HubServerOptions setTlsReloadCheckMs(long v) { return set(TLS_RELOAD_CHECK_MS, v); }

  /** {@link #ADMIN_SECRET}. */
  public String getAdminSecret() { return get(ADMIN_SECRET); }
  public HubServerOptions setAdminSecret(String v) { return set(ADMIN_SECRET, v); }

  /** The server's TLS, or {@code null} for plain HTTP. */
  public ServerTls tls() {
    return getTlsCert().isEmpty() ? null : new ServerTls(getTlsCert(), getTlsKey(), getTlsReloadCheckMs());
  }
}
