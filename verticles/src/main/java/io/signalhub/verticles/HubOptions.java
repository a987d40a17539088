package io.signalhub.verticles;

import io.vertx.core.json.JsonObject;

import java.util.Objects;

/**
 * Settings of a hub node and of each of its verticles: the one place that holds their defaults.
 *
 * <p>Every setting has a JSON key of the same name; {@code config/hub.json} lists them all with their
 * defaults (a test keeps the two equal). Verticles deployed on their own (by class name, with a
 * {@link io.vertx.core.DeploymentOptions#setConfig(JsonObject) deployment config}) read the same keys
 * through {@link #HubOptions(JsonObject)}; missing keys take the defaults below.
 *
 * <p>Units are in the names: {@code *Ms} are milliseconds, {@code *Bytes} are bytes.
 */
public class HubOptions {

  /** Default interface of the HTTP/WebSocket server: loopback only, see {@link #setHost(String)}. */
  public static final String DEFAULT_HOST = "127.0.0.1";
  /** Default HTTP/WebSocket port. */
  public static final int DEFAULT_PORT = 8080;
  /** Default path of the WebSocket endpoint. */
  public static final String DEFAULT_WS_PATH = "/ws";
  /** Default room capacity: a WebRTC full mesh does not scale past about 16 peers. */
  public static final int DEFAULT_ROOM_CAPACITY = 16;
  /** Default largest WebSocket frame and message, in bytes (64 KiB, as nextcloud-spreed-signaling). */
  public static final int DEFAULT_MAX_FRAME_BYTES = 65536;
  /** Default interval between WebSocket pings sent to each peer, in ms. */
  public static final long DEFAULT_PING_INTERVAL_MS = 25_000;
  /** Default time without any frame or pong after which a peer is closed with 4000, in ms. */
  public static final long DEFAULT_IDLE_TIMEOUT_MS = 60_000;
  /** Default time-out of the event-bus requests between verticles, in ms (not Vert.x's 30 s). */
  public static final long DEFAULT_REQUEST_TIMEOUT_MS = 5_000;
  /** Default interval of the sweep that removes peers of nodes gone from the cluster, in ms. */
  public static final long DEFAULT_RECONCILE_INTERVAL_MS = 30_000;
  /** Default number of ws-ingress verticle instances (each its own event loop). */
  public static final int DEFAULT_INGRESS_INSTANCES = 1;
  /** Default room of SimplePeer clients (seed 000 has no rooms) that name none in {@code ?roomId=}. */
  public static final String DEFAULT_DEFAULT_ROOM = "default";
  /** Default wait for a first frame before {@code ?roomId=} alone is taken for the MDN dialect, in ms. */
  public static final long DEFAULT_DIALECT_WAIT_MS = 300;
  /** Default time a message for a peer not (yet) in the room is held, in ms; 0 turns holding off. */
  public static final long DEFAULT_HOLD_MS = 30_000;
  /** Default most joins one ws-ingress instance has in flight; more wait their turn. */
  public static final int DEFAULT_MAX_JOINS_IN_FLIGHT = 64;
  /** Default most messages held for one absent recipient. */
  public static final int DEFAULT_HOLD_MAX_MESSAGES = 64;
  /** Default most bytes held for one absent recipient (256 KiB). */
  public static final int DEFAULT_HOLD_MAX_BYTES = 262_144;
  /** Default HS256 secret of connection tokens: none (see also {@link #DEFAULT_JWT_PUBLIC_KEY}). */
  public static final String DEFAULT_JWT_SECRET = "";
  /** Whether connections without a token are accepted by default: no (see {@link #setAnonymous(boolean)}). */
  public static final boolean DEFAULT_ANONYMOUS = false;
  /** Default public key (PEM) of RS256/ES256 connection tokens: none. */
  public static final String DEFAULT_JWT_PUBLIC_KEY = "";
  /** Default algorithm of {@link #getJwtPublicKey()}. */
  public static final String DEFAULT_JWT_PUBLIC_KEY_ALGORITHM = "RS256";
  /** Default required token audience and issuer: none checked. */
  public static final String DEFAULT_JWT_AUDIENCE = "";
  public static final String DEFAULT_JWT_ISSUER = "";
  /** Whether the demo page is served at {@code /} by default. */
  public static final boolean DEFAULT_DEMO = true;
  /** Default time a new connection has to be in a room, in ms (nextcloud-spreed-signaling: 2 s). */
  public static final long DEFAULT_JOIN_TIMEOUT_MS = 2_000;
  /** Default time a peer whose link dropped can resume its session, in ms (nextcloud-spreed-signaling: 30 s). */
  public static final long DEFAULT_RESUME_GRACE_MS = 30_000;
  /** Default most rooms with peers of one node. */
  public static final int DEFAULT_MAX_ROOMS_PER_NODE = 10_000;
  /** Default most open connections from one IP address per node (0 = no limit). */
  public static final int DEFAULT_MAX_CONNECTIONS_PER_IP = 100;
  /** Default sustained messages per second a connection may send. */
  public static final int DEFAULT_RATE_LIMIT_PER_SECOND = 50;
  /** Default burst of messages a connection may send at once (the token bucket's size). */
  public static final int DEFAULT_RATE_LIMIT_BURST = 200;
  /** Default most bytes queued for writing to one socket before a slow reader is closed with 1013 (1 MiB). */
  public static final int DEFAULT_MAX_QUEUED_BYTES = 1_048_576;
  /** Default allowed browser origins: none besides the hub's own. */
  public static final String DEFAULT_ALLOWED_ORIGINS = "";
  /** Default TURN URLs given to peers: none. */
  public static final String DEFAULT_TURN_URLS = "";
  /** Default coturn {@code static-auth-secret}: none. */
  public static final String DEFAULT_TURN_SECRET = "";
  /** Default lifetime of TURN credentials, in seconds (a day). */
  public static final long DEFAULT_TURN_TTL_SECONDS = 86_400;
  /** Whether lifecycle events are also published as JSON on the event bus by default: no. */
  public static final boolean DEFAULT_PUBLISH_LIFECYCLE_EVENTS = false;
  /** Whether the standalone node joins a Hazelcast cluster by default (with an embedded member). */
  public static final boolean DEFAULT_CLUSTERED = true;
  /** Default interface of the clustered event bus: loopback, since the event bus is unauthenticated. */
  public static final String DEFAULT_CLUSTER_HOST = "127.0.0.1";
  /** Default Hazelcast configuration file; empty means the {@code config/cluster.xml} built into the jar. */
  public static final String DEFAULT_CLUSTER_CONFIG = "";

  /**
   * One setting, for {@code --help} and the docs: its JSON key, its unit ({@code ""} when none) and what
   * it does. The default is in {@code new HubOptions().toJson()}.
   */
  public record Setting(String key, String unit, String description) {
    /** The environment variable that sets it: {@code HUB_} and the key in upper snake case. */
    public String envName() {
      return "HUB_" + key.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(java.util.Locale.ROOT);
    }
  }

  /** Every setting, in the order of {@code config/hub.json}. */
  public static final java.util.List<Setting> SETTINGS = java.util.List.of(
    new Setting("host", "", "interface of the HTTP/WebSocket server; 0.0.0.0 for all"),
    new Setting("port", "", "HTTP/WebSocket port; 0 picks a free one"),
    new Setting("wsPath", "", "path of the WebSocket endpoint"),
    new Setting("roomCapacity", "peers", "most peers a room admits"),
    new Setting("maxFrameBytes", "bytes", "largest WebSocket frame and message (larger: close 1009)"),
    new Setting("pingIntervalMs", "ms", "interval of the WebSocket pings to each peer"),
    new Setting("idleTimeoutMs", "ms", "a peer silent this long is closed with 4000"),
    new Setting("requestTimeoutMs", "ms", "time-out of event-bus requests between the verticles"),
    new Setting("reconcileIntervalMs", "ms", "sweep that removes peers of nodes gone from the cluster"),
    new Setting("ingressInstances", "", "ws-ingress verticle instances sharing the port"),
    new Setting("demo", "", "serve the demo page at /"),
    new Setting("defaultRoom", "", "room of SimplePeer clients that name none"),
    new Setting("dialectWaitMs", "ms", "wait for a first frame before ?roomId= alone is MDN"),
    new Setting("holdMs", "ms", "how long a message for an absent peer is held; 0 = off"),
    new Setting("maxJoinsInFlight", "joins", "most joins in flight per ws-ingress instance; more wait their turn"),
    new Setting("holdMaxMessages", "messages", "most messages held per absent recipient"),
    new Setting("holdMaxBytes", "bytes", "most bytes held per absent recipient"),
    new Setting("jwtSecret", "", "HS256 secret of connection JWTs (>= 32 chars); empty = none"),
    new Setting("anonymous", "", "accept connections without a token (demo, local use); logged loudly"),
    new Setting("jwtPublicKey", "", "PEM public key of RS256/ES256 tokens; empty = none"),
    new Setting("jwtPublicKeyAlgorithm", "", "RS256 or ES256, the algorithm of jwtPublicKey"),
    new Setting("jwtAudience", "", "required 'aud' of tokens; empty = not checked"),
    new Setting("jwtIssuer", "", "required 'iss' of tokens; empty = not checked"),
    new Setting("joinTimeoutMs", "ms", "a connection not in a room this long after opening is closed (1008)"),
    new Setting("maxConnectionsPerIp", "", "most open connections from one IP per node; 0 = no limit (429)"),
    new Setting("maxRoomsPerNode", "rooms", "most rooms with peers of one node (beyond: too-many-rooms)"),
    new Setting("resumeGraceMs", "ms", "how long a peer whose link dropped can resume its session; 0 = off"),
    new Setting("rateLimitPerSecond", "messages", "sustained messages per second per connection"),
    new Setting("rateLimitBurst", "messages", "burst per connection (token bucket size)"),
    new Setting("maxQueuedBytes", "bytes", "bytes queued to a socket before a slow reader is closed (1013)"),
    new Setting("allowedOrigins", "", "browser Origins allowed besides the hub's own, comma-separated; * = any"),
    new Setting("turnUrls", "", "TURN server URLs given to peers (comma-separated), empty = none"),
    new Setting("turnSecret", "", "coturn static-auth-secret for TURN REST credentials"),
    new Setting("turnTtlSeconds", "s", "lifetime of the TURN credentials"),
    new Setting("publishLifecycleEvents", "", "also publish register/broadcast/unregister as JSON on the event bus"),
    new Setting("clustered", "", "join a Hazelcast cluster with an embedded member"),
    new Setting("clusterHost", "", "interface of the clustered event bus"),
    new Setting("clusterConfig", "", "Hazelcast XML file; empty = built-in config/cluster.xml"));

  private String host = DEFAULT_HOST;
  private int port = DEFAULT_PORT;
  private String wsPath = DEFAULT_WS_PATH;
  private int roomCapacity = DEFAULT_ROOM_CAPACITY;
  private int maxFrameBytes = DEFAULT_MAX_FRAME_BYTES;
  private long pingIntervalMs = DEFAULT_PING_INTERVAL_MS;
  private long idleTimeoutMs = DEFAULT_IDLE_TIMEOUT_MS;
  private long requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS;
  private long reconcileIntervalMs = DEFAULT_RECONCILE_INTERVAL_MS;
  private int ingressInstances = DEFAULT_INGRESS_INSTANCES;
  private boolean demo = DEFAULT_DEMO;
  private String defaultRoom = DEFAULT_DEFAULT_ROOM;
  private long dialectWaitMs = DEFAULT_DIALECT_WAIT_MS;
  private long holdMs = DEFAULT_HOLD_MS;
  private int maxJoinsInFlight = DEFAULT_MAX_JOINS_IN_FLIGHT;
  private int holdMaxMessages = DEFAULT_HOLD_MAX_MESSAGES;
  private int holdMaxBytes = DEFAULT_HOLD_MAX_BYTES;
  private String jwtSecret = DEFAULT_JWT_SECRET;
  private boolean anonymous = DEFAULT_ANONYMOUS;
  private String jwtPublicKey = DEFAULT_JWT_PUBLIC_KEY;
  private String jwtPublicKeyAlgorithm = DEFAULT_JWT_PUBLIC_KEY_ALGORITHM;
  private String jwtAudience = DEFAULT_JWT_AUDIENCE;
  private String jwtIssuer = DEFAULT_JWT_ISSUER;
  private long joinTimeoutMs = DEFAULT_JOIN_TIMEOUT_MS;
  private int maxConnectionsPerIp = DEFAULT_MAX_CONNECTIONS_PER_IP;
  private int maxRoomsPerNode = DEFAULT_MAX_ROOMS_PER_NODE;
  private long resumeGraceMs = DEFAULT_RESUME_GRACE_MS;
  private int rateLimitPerSecond = DEFAULT_RATE_LIMIT_PER_SECOND;
  private int rateLimitBurst = DEFAULT_RATE_LIMIT_BURST;
  private int maxQueuedBytes = DEFAULT_MAX_QUEUED_BYTES;
  private String allowedOrigins = DEFAULT_ALLOWED_ORIGINS;
  private String turnUrls = DEFAULT_TURN_URLS;
  private String turnSecret = DEFAULT_TURN_SECRET;
  private long turnTtlSeconds = DEFAULT_TURN_TTL_SECONDS;
  private boolean publishLifecycleEvents = DEFAULT_PUBLISH_LIFECYCLE_EVENTS;
  private boolean clustered = DEFAULT_CLUSTERED;
  private String clusterHost = DEFAULT_CLUSTER_HOST;
  private String clusterConfig = DEFAULT_CLUSTER_CONFIG;

  /** Options with every default. */
  public HubOptions() {
  }

  /** A copy of {@code other}. */
  public HubOptions(HubOptions other) {
    this(other.toJson());
  }

  /**
   * Options read from JSON; absent keys keep their defaults.
   *
   * @throws IllegalArgumentException naming the key, when a value has the wrong type or is out of range
   */
  public HubOptions(JsonObject json) {
    Objects.requireNonNull(json, "json");
    try {
      host = json.getString("host", host);
      port = json.getInteger("port", port);
      wsPath = json.getString("wsPath", wsPath);
      roomCapacity = json.getInteger("roomCapacity", roomCapacity);
      maxFrameBytes = json.getInteger("maxFrameBytes", maxFrameBytes);
      pingIntervalMs = json.getLong("pingIntervalMs", pingIntervalMs);
      idleTimeoutMs = json.getLong("idleTimeoutMs", idleTimeoutMs);
      requestTimeoutMs = json.getLong("requestTimeoutMs", requestTimeoutMs);
      reconcileIntervalMs = json.getLong("reconcileIntervalMs", reconcileIntervalMs);
      ingressInstances = json.getInteger("ingressInstances", ingressInstances);
      demo = json.getBoolean("demo", demo);
      defaultRoom = json.getString("defaultRoom", defaultRoom);
      dialectWaitMs = json.getLong("dialectWaitMs", dialectWaitMs);
      holdMs = json.getLong("holdMs", holdMs);
      maxJoinsInFlight = json.getInteger("maxJoinsInFlight", maxJoinsInFlight);
      holdMaxMessages = json.getInteger("holdMaxMessages", holdMaxMessages);
      holdMaxBytes = json.getInteger("holdMaxBytes", holdMaxBytes);
      jwtSecret = json.getString("jwtSecret", jwtSecret);
      anonymous = json.getBoolean("anonymous", anonymous);
      jwtPublicKey = json.getString("jwtPublicKey", jwtPublicKey);
      jwtPublicKeyAlgorithm = json.getString("jwtPublicKeyAlgorithm", jwtPublicKeyAlgorithm);
      jwtAudience = json.getString("jwtAudience", jwtAudience);
      jwtIssuer = json.getString("jwtIssuer", jwtIssuer);
      joinTimeoutMs = json.getLong("joinTimeoutMs", joinTimeoutMs);
      maxConnectionsPerIp = json.getInteger("maxConnectionsPerIp", maxConnectionsPerIp);
      maxRoomsPerNode = json.getInteger("maxRoomsPerNode", maxRoomsPerNode);
      resumeGraceMs = json.getLong("resumeGraceMs", resumeGraceMs);
      rateLimitPerSecond = json.getInteger("rateLimitPerSecond", rateLimitPerSecond);
      rateLimitBurst = json.getInteger("rateLimitBurst", rateLimitBurst);
      maxQueuedBytes = json.getInteger("maxQueuedBytes", maxQueuedBytes);
      allowedOrigins = json.getString("allowedOrigins", allowedOrigins);
      turnUrls = json.getString("turnUrls", turnUrls);
      turnSecret = json.getString("turnSecret", turnSecret);
      turnTtlSeconds = json.getLong("turnTtlSeconds", turnTtlSeconds);
      publishLifecycleEvents = json.getBoolean("publishLifecycleEvents", publishLifecycleEvents);
      clustered = json.getBoolean("clustered", clustered);
      clusterHost = json.getString("clusterHost", clusterHost);
      clusterConfig = json.getString("clusterConfig", clusterConfig);
    } catch (ClassCastException e) {
      throw new IllegalArgumentException("invalid hub setting '" + mistyped(json) + "': wrong JSON type", e);
    }
    validate();
  }

  /** The first key of {@code json} whose value does not have the JSON type of its default. */
  private static String mistyped(JsonObject json) {
    JsonObject defaults = new HubOptions().toJson();
    for (String key : json.fieldNames()) {
      Object value = json.getValue(key);
      Object def = defaults.getValue(key);
      boolean ok = def == null || value == null
        || (def instanceof Number && value instanceof Number)
        || (def instanceof Boolean && value instanceof Boolean)
        || (def instanceof String && value instanceof String);
      if (!ok) {
        return key;
      }
    }
    return "?";
  }

  /**
   * Checks every setting.
   *
   * @return this
   * @throws IllegalArgumentException naming the first setting out of range
   */
  public HubOptions validate() {
    require(host != null && !host.isBlank(), "host", "must not be empty");
    require(port >= 0 && port <= 65535, "port", "must be 0..65535 (0 = any free port)");
    require(wsPath != null && wsPath.startsWith("/"), "wsPath", "must start with /");
    require(roomCapacity >= 1, "roomCapacity", "must be >= 1");
    require(maxFrameBytes >= 1024, "maxFrameBytes", "must be >= 1024");
    require(pingIntervalMs >= 100, "pingIntervalMs", "must be >= 100");
    require(idleTimeoutMs > pingIntervalMs, "idleTimeoutMs", "must be greater than pingIntervalMs");
    require(requestTimeoutMs >= 100, "requestTimeoutMs", "must be >= 100");
    require(reconcileIntervalMs >= 1000, "reconcileIntervalMs", "must be >= 1000");
    require(ingressInstances >= 1, "ingressInstances", "must be >= 1");
    require(io.signalhub.protocol.Ids.isValid(defaultRoom), "defaultRoom", "must be 1-64 of A-Z a-z 0-9 _ -");
    require(dialectWaitMs >= 0, "dialectWaitMs", "must be >= 0");
    require(holdMs >= 0, "holdMs", "must be >= 0 (0 = no holding)");
    require(maxJoinsInFlight >= 1, "maxJoinsInFlight", "must be >= 1");
    require(holdMaxMessages >= 1, "holdMaxMessages", "must be >= 1");
    require(holdMaxBytes >= 1024, "holdMaxBytes", "must be >= 1024");
    require(jwtSecret != null && (jwtSecret.isEmpty() || jwtSecret.length() >= 32), "jwtSecret",
      "must be empty (no tokens) or at least 32 characters");
    require(jwtPublicKey != null && jwtAudience != null && jwtIssuer != null, "jwtPublicKey", "must be a string");
    require("RS256".equals(jwtPublicKeyAlgorithm) || "ES256".equals(jwtPublicKeyAlgorithm), "jwtPublicKeyAlgorithm",
      "must be RS256 or ES256");
    require(joinTimeoutMs >= 100, "joinTimeoutMs", "must be >= 100");
    require(resumeGraceMs >= 0, "resumeGraceMs", "must be >= 0 (0 = no resume)");
    require(maxRoomsPerNode >= 1, "maxRoomsPerNode", "must be >= 1");
    require(maxConnectionsPerIp >= 0, "maxConnectionsPerIp", "must be >= 0 (0 = no limit)");
    require(rateLimitPerSecond >= 1, "rateLimitPerSecond", "must be >= 1");
    require(rateLimitBurst >= 1, "rateLimitBurst", "must be >= 1");
    require(maxQueuedBytes >= maxFrameBytes, "maxQueuedBytes", "must be >= maxFrameBytes");
    require(allowedOrigins != null, "allowedOrigins", "must be a string");
    require(turnUrls != null && turnSecret != null, "turnUrls", "must be a string");
    require(turnUrls.isBlank() || !turnSecret.isEmpty(), "turnSecret", "is required when turnUrls is set");
    require(turnTtlSeconds >= 60, "turnTtlSeconds", "must be >= 60");
    require(clusterHost != null && !clusterHost.isBlank(), "clusterHost", "must not be empty");
    require(clusterConfig != null, "clusterConfig", "must be a path or empty");
    return this;
  }

  private static void require(boolean ok, String key, String what) {
    if (!ok) {
      throw new IllegalArgumentException("invalid hub setting '" + key + "': " + what);
    }
  }

  /** All settings as JSON, with the same keys the JSON constructor reads. */
  public JsonObject toJson() {
    return new JsonObject()
      .put("host", host)
      .put("port", port)
      .put("wsPath", wsPath)
      .put("roomCapacity", roomCapacity)
      .put("maxFrameBytes", maxFrameBytes)
      .put("pingIntervalMs", pingIntervalMs)
      .put("idleTimeoutMs", idleTimeoutMs)
      .put("requestTimeoutMs", requestTimeoutMs)
      .put("reconcileIntervalMs", reconcileIntervalMs)
      .put("ingressInstances", ingressInstances)
      .put("demo", demo)
      .put("defaultRoom", defaultRoom)
      .put("dialectWaitMs", dialectWaitMs)
      .put("holdMs", holdMs)
      .put("maxJoinsInFlight", maxJoinsInFlight)
      .put("holdMaxMessages", holdMaxMessages)
      .put("holdMaxBytes", holdMaxBytes)
      .put("jwtSecret", jwtSecret)
      .put("anonymous", anonymous)
      .put("jwtPublicKey", jwtPublicKey)
      .put("jwtPublicKeyAlgorithm", jwtPublicKeyAlgorithm)
      .put("jwtAudience", jwtAudience)
      .put("jwtIssuer", jwtIssuer)
      .put("joinTimeoutMs", joinTimeoutMs)
      .put("maxConnectionsPerIp", maxConnectionsPerIp)
      .put("maxRoomsPerNode", maxRoomsPerNode)
      .put("resumeGraceMs", resumeGraceMs)
      .put("rateLimitPerSecond", rateLimitPerSecond)
      .put("rateLimitBurst", rateLimitBurst)
      .put("maxQueuedBytes", maxQueuedBytes)
      .put("allowedOrigins", allowedOrigins)
      .put("turnUrls", turnUrls)
      .put("turnSecret", turnSecret)
      .put("turnTtlSeconds", turnTtlSeconds)
      .put("publishLifecycleEvents", publishLifecycleEvents)
      .put("clustered", clustered)
      .put("clusterHost", clusterHost)
      .put("clusterConfig", clusterConfig);
  }

  public String getHost() {
    return host;
  }

  /** Interface the HTTP/WebSocket server binds to; {@code 0.0.0.0} for all interfaces. */
  public HubOptions setHost(String host) {
    this.host = host;
    return this;
  }

  public int getPort() {
    return port;
  }

  /** HTTP/WebSocket port; 0 picks a free port. */
  public HubOptions setPort(int port) {
    this.port = port;
    return this;
  }

  public String getWsPath() {
    return wsPath;
  }

  /** Path of the WebSocket endpoint on the hub's own HTTP server. */
  public HubOptions setWsPath(String wsPath) {
    this.wsPath = wsPath;
    return this;
  }

  public int getRoomCapacity() {
    return roomCapacity;
  }

  /** Most peers a room admits; the next join gets {@code room-full}. */
  public HubOptions setRoomCapacity(int roomCapacity) {
    this.roomCapacity = roomCapacity;
    return this;
  }

  public int getMaxFrameBytes() {
    return maxFrameBytes;
  }

  /** Largest WebSocket frame and message in bytes; larger ones close the socket with 1009. */
  public HubOptions setMaxFrameBytes(int maxFrameBytes) {
    this.maxFrameBytes = maxFrameBytes;
    return this;
  }

  public long getPingIntervalMs() {
    return pingIntervalMs;
  }

  /** Interval between WebSocket pings to each peer, in ms. */
  public HubOptions setPingIntervalMs(long pingIntervalMs) {
    this.pingIntervalMs = pingIntervalMs;
    return this;
  }

  public long getIdleTimeoutMs() {
    return idleTimeoutMs;
  }

  /** Time without any frame or pong after which the peer is closed with 4000, in ms. */
  public HubOptions setIdleTimeoutMs(long idleTimeoutMs) {
    this.idleTimeoutMs = idleTimeoutMs;
    return this;
  }

  public long getRequestTimeoutMs() {
    return requestTimeoutMs;
  }

  /** Time-out of event-bus requests between the verticles, in ms. */
  public HubOptions setRequestTimeoutMs(long requestTimeoutMs) {
    this.requestTimeoutMs = requestTimeoutMs;
    return this;
  }

  public long getReconcileIntervalMs() {
    return reconcileIntervalMs;
  }

  /**
   * Interval of the sweep that removes the peers of nodes gone from the cluster, in ms; it backs up the
   * immediate clean-up on each membership event, in case one was missed.
   */
  public HubOptions setReconcileIntervalMs(long reconcileIntervalMs) {
    this.reconcileIntervalMs = reconcileIntervalMs;
    return this;
  }

  public int getIngressInstances() {
    return ingressInstances;
  }

  /** Number of ws-ingress verticle instances sharing the HTTP port. */
  public HubOptions setIngressInstances(int ingressInstances) {
    this.ingressInstances = ingressInstances;
    return this;
  }

  public boolean isDemo() {
    return demo;
  }

  /** Whether the hub's own HTTP server serves the demo page at {@code /}. */
  public HubOptions setDemo(boolean demo) {
    this.demo = demo;
    return this;
  }

  public String getDefaultRoom() {
    return defaultRoom;
  }

  /** Room of SimplePeer clients (seed 000 has no rooms) that name none in {@code ?roomId=}. */
  public HubOptions setDefaultRoom(String defaultRoom) {
    this.defaultRoom = defaultRoom;
    return this;
  }

  public long getDialectWaitMs() {
    return dialectWaitMs;
  }

  /** Wait for a first frame before {@code ?roomId=} alone is taken for the MDN dialect, in ms. */
  public HubOptions setDialectWaitMs(long dialectWaitMs) {
    this.dialectWaitMs = dialectWaitMs;
    return this;
  }

  public long getHoldMs() {
    return holdMs;
  }

  /**
   * How long a message for a peer that is not (yet) in the room is held, in ms; delivered in order when
   * the peer joins, else the sender gets {@code expired}. 0 turns holding off ({@code not-in-room} at once).
   */
  public HubOptions setHoldMs(long holdMs) {
    this.holdMs = holdMs;
    return this;
  }

  public int getMaxJoinsInFlight() {
    return maxJoinsInFlight;
  }

  /**
   * Most joins (id claim and room join, each a cluster operation) one ws-ingress instance has in flight; the
   * others wait in arrival order. Under a connection storm this keeps joins finishing within
   * {@link #getRequestTimeoutMs()} instead of all timing out with {@code unavailable}.
   */
  public HubOptions setMaxJoinsInFlight(int maxJoinsInFlight) {
    this.maxJoinsInFlight = maxJoinsInFlight;
    return this;
  }

  public int getHoldMaxMessages() {
    return holdMaxMessages;
  }

  /** Most messages held for one absent recipient; more are dropped with {@code expired}. */
  public HubOptions setHoldMaxMessages(int holdMaxMessages) {
    this.holdMaxMessages = holdMaxMessages;
    return this;
  }

  public int getHoldMaxBytes() {
    return holdMaxBytes;
  }

  /** Most bytes (characters of the frames) held for one absent recipient; more are dropped with {@code expired}. */
  public HubOptions setHoldMaxBytes(int holdMaxBytes) {
    this.holdMaxBytes = holdMaxBytes;
    return this;
  }

  public String getJwtSecret() {
    return jwtSecret;
  }

  /**
   * HS256 secret of the JWTs of {@code ?token=} connections (Private Meet); empty refuses such connections.
   * At least 32 characters.
   */
  public HubOptions setJwtSecret(String jwtSecret) {
    this.jwtSecret = jwtSecret;
    return this;
  }

  public boolean isAnonymous() {
    return anonymous;
  }

  /**
   * Whether connections without a token are accepted (any id, any room): for the demo and local use only;
   * the node logs it loudly at start. Otherwise every connection shows a JWT ({@code ?token=} or a first
   * {@code {"type":"auth","token"}} frame) whose {@code sub} is its peer id.
   */
  public HubOptions setAnonymous(boolean anonymous) {
    this.anonymous = anonymous;
    return this;
  }

  public String getJwtPublicKey() {
    return jwtPublicKey;
  }

  /** PEM public key ({@code -----BEGIN PUBLIC KEY-----}) verifying RS256 or ES256 tokens; empty for none. */
  public HubOptions setJwtPublicKey(String jwtPublicKey) {
    this.jwtPublicKey = jwtPublicKey;
    return this;
  }

  public String getJwtPublicKeyAlgorithm() {
    return jwtPublicKeyAlgorithm;
  }

  /** The algorithm of {@link #getJwtPublicKey()}: {@code RS256} or {@code ES256}. */
  public HubOptions setJwtPublicKeyAlgorithm(String jwtPublicKeyAlgorithm) {
    this.jwtPublicKeyAlgorithm = jwtPublicKeyAlgorithm;
    return this;
  }

  public String getJwtAudience() {
    return jwtAudience;
  }

  /** The {@code aud} every token must name; empty: not checked. */
  public HubOptions setJwtAudience(String jwtAudience) {
    this.jwtAudience = jwtAudience;
    return this;
  }

  public String getJwtIssuer() {
    return jwtIssuer;
  }

  /** The {@code iss} every token must have; empty: not checked. */
  public HubOptions setJwtIssuer(String jwtIssuer) {
    this.jwtIssuer = jwtIssuer;
    return this;
  }

  /** Whether any token verification key is configured. */
  public boolean hasTokenKeys() {
    return !jwtSecret.isEmpty() || !jwtPublicKey.isEmpty();
  }

  public long getJoinTimeoutMs() {
    return joinTimeoutMs;
  }

  /** Time a new connection has to be in a room, in ms; then {@code join-timeout} and close 1008. */
  public HubOptions setJoinTimeoutMs(long joinTimeoutMs) {
    this.joinTimeoutMs = joinTimeoutMs;
    return this;
  }

  public int getMaxConnectionsPerIp() {
    return maxConnectionsPerIp;
  }

  /** Most open connections from one IP address per node; more are refused with HTTP 429. 0: no limit. */
  public HubOptions setMaxConnectionsPerIp(int maxConnectionsPerIp) {
    this.maxConnectionsPerIp = maxConnectionsPerIp;
    return this;
  }

  public int getMaxRoomsPerNode() {
    return maxRoomsPerNode;
  }

  /** Most distinct rooms the peers of one node may be in; a join into one more gets {@code too-many-rooms}. */
  public HubOptions setMaxRoomsPerNode(int maxRoomsPerNode) {
    this.maxRoomsPerNode = maxRoomsPerNode;
    return this;
  }

  public long getResumeGraceMs() {
    return resumeGraceMs;
  }

  /**
   * How long a peer whose link dropped (no clean close) keeps its id and room: a reconnect with the resume
   * token from {@code welcome}, on any node, carries on with what arrived meanwhile and without
   * {@code peer-left}; past it, the room gets {@code peer-left}. 0 turns resuming off.
   */
  public HubOptions setResumeGraceMs(long resumeGraceMs) {
    this.resumeGraceMs = resumeGraceMs;
    return this;
  }

  public int getRateLimitPerSecond() {
    return rateLimitPerSecond;
  }

  /** Sustained messages per second a connection may send (token bucket refill). */
  public HubOptions setRateLimitPerSecond(int rateLimitPerSecond) {
    this.rateLimitPerSecond = rateLimitPerSecond;
    return this;
  }

  public int getRateLimitBurst() {
    return rateLimitBurst;
  }

  /**
   * Messages a connection may send at once (token bucket size). A message over the limit is dropped with
   * {@code rate-limited}; when as many again are dropped in a row, the connection is closed with 1008.
   */
  public HubOptions setRateLimitBurst(int rateLimitBurst) {
    this.rateLimitBurst = rateLimitBurst;
    return this;
  }

  public int getMaxQueuedBytes() {
    return maxQueuedBytes;
  }

  /** Bytes queued for writing to one socket before the slow reader is closed with 1013. */
  public HubOptions setMaxQueuedBytes(int maxQueuedBytes) {
    this.maxQueuedBytes = maxQueuedBytes;
    return this;
  }

  public String getAllowedOrigins() {
    return allowedOrigins;
  }

  /**
   * Browser origins (e.g. {@code https://app.example.org}) allowed to open a WebSocket besides the hub's
   * own, comma-separated; {@code *} allows any. Requests without {@code Origin} (non-browser clients) are
   * allowed; others get HTTP 403 (cross-site WebSocket hijacking, OWASP).
   */
  public HubOptions setAllowedOrigins(String allowedOrigins) {
    this.allowedOrigins = allowedOrigins;
    return this;
  }

  public String getTurnUrls() {
    return turnUrls;
  }

  /**
   * TURN server URLs given to peers in {@code welcome} and by {@code GET /ice-servers}, comma-separated
   * (e.g. {@code turn:turn.example.org:3478?transport=udp}); empty gives none.
   */
  public HubOptions setTurnUrls(String turnUrls) {
    this.turnUrls = turnUrls;
    return this;
  }

  public String getTurnSecret() {
    return turnSecret;
  }

  /** coturn's {@code static-auth-secret}, with which the hub makes TURN REST API credentials. */
  public HubOptions setTurnSecret(String turnSecret) {
    this.turnSecret = turnSecret;
    return this;
  }

  public long getTurnTtlSeconds() {
    return turnTtlSeconds;
  }

  /** Lifetime of the TURN credentials, in seconds. */
  public HubOptions setTurnTtlSeconds(long turnTtlSeconds) {
    this.turnTtlSeconds = turnTtlSeconds;
    return this;
  }

  @Override
  public String toString() {
    return toJson().put("jwtSecret", jwtSecret.isEmpty() ? "" : "***")
      .put("turnSecret", turnSecret.isEmpty() ? "" : "***").encode();
  }

  public boolean isClustered() {
    return clustered;
  }

  /** Whether the standalone node joins a Hazelcast cluster (ignored when embedded in a given Vertx). */
  public HubOptions setClustered(boolean clustered) {
    this.clustered = clustered;
    return this;
  }

  public String getClusterHost() {
    return clusterHost;
  }

  /** Interface of the standalone node's clustered event bus. */
  public HubOptions setClusterHost(String clusterHost) {
    this.clusterHost = clusterHost;
    return this;
  }

  public boolean isPublishLifecycleEvents() {
    return publishLifecycleEvents;
  }

  /**
   * Whether room-registry and router also publish each lifecycle event as JSON, local to their node, on
   * {@link Addresses#LIFECYCLE_REGISTER}, {@link Addresses#LIFECYCLE_BROADCAST} and
   * {@link Addresses#LIFECYCLE_UNREGISTER}, for other verticles to observe (after the fact: a publication
   * cannot refuse anything; the typed, vetoable hook is {@link HubEvent}). Off by default: the router then
   * builds and publishes nothing per routed message.
   */
  public HubOptions setPublishLifecycleEvents(boolean publishLifecycleEvents) {
    this.publishLifecycleEvents = publishLifecycleEvents;
    return this;
  }

  public String getClusterConfig() {
    return clusterConfig;
  }

  /** Hazelcast XML configuration file of the standalone node; empty for the built-in one. */
  public HubOptions setClusterConfig(String clusterConfig) {
    this.clusterConfig = clusterConfig;
    return this;
  }

}
