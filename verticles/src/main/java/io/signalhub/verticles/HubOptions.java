package io.signalhub.verticles;

import io.signalhub.protocol.Ids;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * Settings of the hub's verticles: what any hub needs, embedded or standalone.
 *
 * <p>Each setting is written once, as a {@link Setting} constant below: its JSON key, default, unit, meaning
 * and rules. The JSON constructor, {@link #toJson()}, {@link #validate()}, the launcher's {@code --help},
 * {@code config/hub.json} and the table of {@code docs/configuration.md} (both checked by a test) come from
 * {@link #SETTINGS}. The typed accessors only delegate to {@link #get(Setting)} and {@link #set(Setting, Object)}:
 * see the constant named after a setting for its default, unit and rule. Setters do not check; {@link #validate()}
 * and the JSON constructor do, with {@code IllegalArgumentException("invalid hub setting '<key>': ...")}.
 *
 * <p>Units are in the names: {@code *Ms} are milliseconds, {@code *Bytes} are bytes. The hub's own HTTP
 * server ({@code host}, {@code port}, {@code demo}) has its options in {@code io.signalhub.HubServerOptions},
 * the standalone node's cluster ({@code clustered}, {@code clusterHost}, {@code clusterConfig}) in the
 * launcher's {@code ClusterOptions}: one flat JSON file holds them all, and each class reads its own keys.
 */
public class HubOptions extends Settings<HubOptions> {

  public static final Setting<String> WS_PATH = Setting.ofString("wsPath", "/ws",
      "path of the WebSocket endpoint on the hub's own HTTP server")
    .rule(v -> v.startsWith("/"), "must start with /");
  public static final Setting<Integer> ROOM_CAPACITY = Setting.ofInt("roomCapacity", 16, "peers",
      "most peers a room admits; the next gets `room-full` (a WebRTC full mesh does not scale further)")
    .rule(v -> v >= 1, "must be >= 1");
  public static final Setting<Integer> MAX_FRAME_BYTES = Setting.ofInt("maxFrameBytes", 65_536, "bytes",
      "largest WebSocket frame and message; larger ones close the socket with 1009")
    .rule(v -> v >= 1024, "must be >= 1024");
  public static final Setting<Long> PING_INTERVAL_MS = Setting.ofLong("pingIntervalMs", 25_000, "ms",
      "interval of the WebSocket pings the hub sends each peer")
    .rule(v -> v >= 100, "must be >= 100");
  public static final Setting<Long> IDLE_TIMEOUT_MS = Setting.ofLong("idleTimeoutMs", 60_000, "ms",
      "a peer silent this long (no frame, no pong) is closed with 4000")
    .rule((v, all) -> v > all.get(PING_INTERVAL_MS), "must be greater than pingIntervalMs");
  public static final Setting<Long> REQUEST_TIMEOUT_MS = Setting.ofLong("requestTimeoutMs", 5_000, "ms",
      "time-out of the event-bus requests between the verticles (join, leave, id claim; not Vert.x's 30 s)")
    .rule(v -> v >= 100, "must be >= 100");
  public static final Setting<Long> RECONCILE_INTERVAL_MS = Setting.ofLong("reconcileIntervalMs", 30_000, "ms",
      "interval of the sweep that removes peers of nodes gone from the cluster (backs up the clean-up done at "
        + "once on each membership change); the oldest hub node runs it, for the whole cluster (docs/scaling.md)")
    .rule(v -> v >= 1000, "must be >= 1000");
  public static final Setting<Integer> INGRESS_INSTANCES = Setting.ofInt("ingressInstances", 1, "",
      "ws-ingress verticle instances sharing the port (one event loop each)")
    .rule(v -> v >= 1, "must be >= 1");
  public static final Setting<String> DEFAULT_ROOM = Setting.ofString("defaultRoom", "default",
      "room of SimplePeer clients that name none in `?roomId=`")
    .rule(Ids::isValid, "must be 1-64 of A-Z a-z 0-9 _ -");
  public static final Setting<Long> DIALECT_WAIT_MS = Setting.ofLong("dialectWaitMs", 300, "ms",
      "wait for a first frame before `?roomId=` alone is taken for the MDN sample's dialect")
    .rule(v -> v >= 0, "must be >= 0");
  public static final Setting<Long> HOLD_MS = Setting.ofLong("holdMs", 30_000, "ms",
      "how long a message for a peer not (yet) in the room is held, then delivered in order when it joins, "
        + "else the sender gets `expired`; `0` turns holding off (`not-in-room` at once)")
    .rule(v -> v >= 0, "must be >= 0 (0 = no holding)");
  public static final Setting<Integer> MAX_JOINS_IN_FLIGHT = Setting.ofInt("maxJoinsInFlight", 64, "joins",
      "most joins (id claim and room join, cluster operations) one ws-ingress instance has in flight; the others "
        + "wait in arrival order, so a connection storm makes the last clients wait for `welcome` instead of "
        + "failing them all with `unavailable` after `requestTimeoutMs`")
    .rule(v -> v >= 1, "must be >= 1");
  public static final Setting<Integer> HOLD_MAX_MESSAGES = Setting.ofInt("holdMaxMessages", 64, "messages",
      "most messages held for one absent recipient; more get the sender `expired`")
    .rule(v -> v >= 1, "must be >= 1");
  public static final Setting<Integer> HOLD_MAX_BYTES = Setting.ofInt("holdMaxBytes", 262_144, "bytes",
      "most bytes held for one absent recipient; also bounds, in UTF-8 bytes, the frames a v1 connection keeps "
        + "for a resume until a pong acknowledges them (usually under 32 KiB: the hub pings once 16 frames or "
        + "32 KiB wait). Those are kept in Netty's pooled direct memory, not the heap: size "
        + "`-XX:MaxDirectMemorySize` (default: the maximum heap) for connections × this bound in the worst case "
        + "of clients that never answer pings")
    .rule(v -> v >= 1024, "must be >= 1024");
  public static final Setting<String> JWT_SECRET = Setting.ofString("jwtSecret", "",
      "HS256 secret of connection JWTs (see protocol.md, Authentication); at least 32 characters; empty = none. "
        + "Prefer a `--config` file readable only by the hub's user over a flag")
    .rule(v -> v.isEmpty() || v.length() >= 32, "must be empty (no tokens) or at least 32 characters")
    .secret();
  public static final Setting<Boolean> ANONYMOUS = Setting.ofBoolean("anonymous", false,
      "accept connections without a token, any id, any room (demo and local use; `./scripts/run` sets it; "
        + "logged loudly). Otherwise every connection needs a JWT");
  public static final Setting<String> JWT_PUBLIC_KEY = Setting.ofString("jwtPublicKey", "",
      "PEM public key (`-----BEGIN PUBLIC KEY-----`) verifying RS256/ES256 tokens; empty = none");
  public static final Setting<String> JWT_PUBLIC_KEY_ALGORITHM = Setting.ofString("jwtPublicKeyAlgorithm", "RS256",
      "`RS256` or `ES256`, the algorithm of `jwtPublicKey`")
    .rule(v -> v.equals("RS256") || v.equals("ES256"), "must be RS256 or ES256");
  public static final Setting<String> JWT_AUDIENCE = Setting.ofString("jwtAudience", "",
      "required `aud` of tokens; empty = not checked");
  public static final Setting<String> JWT_ISSUER = Setting.ofString("jwtIssuer", "",
      "required `iss` of tokens; empty = not checked");
  public static final Setting<Long> JOIN_TIMEOUT_MS = Setting.ofLong("joinTimeoutMs", 2_000, "ms",
      "a connection not in a room this long after opening gets `join-timeout` and close 4002 (reconnect)")
    .rule(v -> v >= 100, "must be >= 100");
  public static final Setting<Integer> MAX_CONNECTIONS_PER_IP = Setting.ofInt("maxConnectionsPerIp", 100, "",
      "most connections from one IP address per node: WebSockets, and on the hub's own server also connections "
        + "whose request has not fully arrived (closed at accept beyond; HTTP 429 for a WebSocket beyond); 0 = no limit")
    .rule(v -> v >= 0, "must be >= 0 (0 = no limit)");
  public static final Setting<Long> HANDSHAKE_TIMEOUT_MS = Setting.ofLong("handshakeTimeoutMs", 5_000, "ms",
      "on the hub's own server, the time a connection has from accept (and from the end of each response on a "
        + "kept-alive one) to deliver a whole HTTP request, such as the WebSocket upgrade; then it is closed. Also the "
        + "TLS handshake time-out")
    .rule(v -> v >= 100, "must be >= 100");
  public static final Setting<Integer> MAX_ROOMS_PER_NODE = Setting.ofInt("maxRoomsPerNode", 10_000, "rooms",
      "most rooms with peers of one node; a join into one more gets `too-many-rooms`")
    .rule(v -> v >= 1, "must be >= 1");
  public static final Setting<Long> RESUME_GRACE_MS = Setting.ofLong("resumeGraceMs", 30_000, "ms",
      "how long a peer whose link dropped stays in its room, resumable with its resume token (protocol.md, "
        + "Resume); 0 = no resume: it leaves at once")
    .rule(v -> v >= 0, "must be >= 0 (0 = no resume)");
  public static final Setting<Integer> RATE_LIMIT_PER_SECOND = Setting.ofInt("rateLimitPerSecond", 50, "messages/s",
      "sustained messages per second per connection (token bucket refill)")
    .rule(v -> v >= 1, "must be >= 1");
  public static final Setting<Integer> RATE_LIMIT_BURST = Setting.ofInt("rateLimitBurst", 200, "messages",
      "messages a connection may send at once (token bucket size); beyond: `rate-limited`, and when as many "
        + "again are dropped in a row, close 4003 (reconnect after a backoff)")
    .rule(v -> v >= 1, "must be >= 1");
  public static final Setting<Integer> MAX_QUEUED_BYTES = Setting.ofInt("maxQueuedBytes", 1_048_576, "bytes",
      "bytes waiting to be written to one socket before the slow reader is closed with 1013")
    .rule((v, all) -> v >= all.get(MAX_FRAME_BYTES), "must be >= maxFrameBytes");
  public static final Setting<String> ALLOWED_ORIGINS = Setting.ofString("allowedOrigins", "",
      "browser `Origin`s (e.g. `https://app.example.org`) allowed besides the hub's own, comma-separated; `*` = "
        + "any. Requests without `Origin` (non-browser clients) are allowed; others get HTTP 403");
  public static final Setting<String> TURN_URLS = Setting.ofString("turnUrls", "",
      "TURN server URLs given to peers in `welcome` and by `GET /ice-servers`, comma-separated "
        + "(`turn:turn.example.org:3478?transport=udp`); empty gives none");
  public static final Setting<String> TURN_SECRET = Setting.ofString("turnSecret", "",
      "coturn's `static-auth-secret`: the hub makes TURN REST API credentials with it (required with `turnUrls`)")
    .rule((v, all) -> all.get(TURN_URLS).isBlank() || !v.isEmpty(), "is required when turnUrls is set")
    .secret();
  public static final Setting<Long> TURN_TTL_MS = Setting.ofLong("turnTtlMs", 86_400_000, "ms",
      "lifetime of the TURN credentials (a day); their expiry is given to the TURN server in whole seconds")
    .rule(v -> v >= 60_000, "must be >= 60000 (a minute)");
  public static final Setting<Boolean> PUBLISH_LIFECYCLE_EVENTS = Setting.ofBoolean("publishLifecycleEvents", false,
      "also publish register / broadcast / unregister as JSON on the event bus (`signalhub.lifecycle.*`, local to "
        + "each node), for other verticles to observe; the typed, vetoable hook is `SignalingHub.eventHandler`. "
        + "Off: nothing is built or published per message");
  public static final Setting<String> PEERJS_PATH = Setting.ofString("peerjsPath", "/peerjs",
      "base path of the PeerJS server protocol (`peerjs` 1.5 clients with `path` set to it; docs/protocol.md, "
        + "PeerJS); empty = off")
    .rule(v -> v.isEmpty() || (v.startsWith("/") && !v.endsWith("/")), "must be empty or start with / and not end with /");
  public static final Setting<String> PEERJS_KEY = Setting.ofString("peerjsKey", "peerjs",
      "the PeerJS `key` clients must give (the `peerjs` client's default is `peerjs`); another gets `ERROR`")
    .rule(v -> !v.isEmpty(), "must not be empty");
  public static final Setting<Long> PEERJS_EXPIRE_MS = Setting.ofLong("peerjsExpireMs", 5_000, "ms",
      "how long a PeerJS message for a peer that is not connected is held, then its sender gets `EXPIRE` "
        + "(the PeerJS server's `expire_timeout`)")
    .rule(v -> v >= 100, "must be >= 100");
  public static final Setting<String> YJS_PATH = Setting.ofString("yjsPath", "/yjs",
      "path of the y-webrtc signaling protocol (a y-webrtc provider's `signaling` URL; docs/protocol.md, y-webrtc); "
        + "empty = off")
    .rule(v -> v.isEmpty() || v.startsWith("/"), "must be empty or start with /");
  public static final Setting<Integer> YJS_MAX_TOPICS = Setting.ofInt("yjsMaxTopics", 64, "topics",
      "most y-webrtc topics (rooms) one connection may subscribe to; further subscriptions are ignored")
    .rule(v -> v >= 1, "must be >= 1");
  public static final Setting<Long> DRAIN_MS = Setting.ofLong("drainMs", 10_000, "ms",
      "a stopping node hands over (or closes with 1001) its connections in batches every 100 ms, all within this "
        + "long, so that its clients do not all reconnect at once; at least 50 a batch (a small node stops at once); "
        + "0 = all at once")
    .rule(v -> v >= 0, "must be >= 0");
  public static final Setting<String> WEBHOOK_URLS = Setting.ofString("webhookUrls", "",
      "URLs (`http://` or `https://`, comma-separated) that get a signed POST for each room created or closed and each "
        + "peer joined or left (docs/protocol.md, Webhooks); empty = none")
    .rule(v -> v.isBlank() || java.util.Arrays.stream(v.split(",")).map(String::trim)
      .allMatch(u -> u.startsWith("http://") || u.startsWith("https://")), "must be http:// or https:// URLs, comma-separated");
  public static final Setting<String> WEBHOOK_SECRET = Setting.ofString("webhookSecret", "",
      "key of the webhooks' signature, `X-Signalhub-Signature: sha256=<hex HMAC-SHA256 of the body>`; at least 16 "
        + "characters, required with `webhookUrls`")
    .rule((v, all) -> all.get(WEBHOOK_URLS).isBlank() || v.length() >= 16, "is required with webhookUrls, at least 16 characters")
    .secret();
  public static final Setting<Integer> WEBHOOK_QUEUE_MAX = Setting.ofInt("webhookQueueMax", 10_000, "events",
      "most events waiting for one URL (it is down or slow); newer ones are dropped and counted "
        + "(`signalhub_webhook_events_total{outcome=\"dropped\"}`)")
    .rule(v -> v >= 1, "must be >= 1");
  public static final Setting<Long> WEBHOOK_TIMEOUT_MS = Setting.ofLong("webhookTimeoutMs", 5_000, "ms",
      "time a webhook POST may take before it counts as failed and is retried")
    .rule(v -> v >= 100, "must be >= 100");

  /** Every setting, in the order of {@code config/hub.json}. */
  public static final List<Setting<?>> SETTINGS = List.of(WS_PATH, ROOM_CAPACITY, MAX_FRAME_BYTES,
    PING_INTERVAL_MS, IDLE_TIMEOUT_MS, REQUEST_TIMEOUT_MS, RECONCILE_INTERVAL_MS, INGRESS_INSTANCES, DEFAULT_ROOM,
    DIALECT_WAIT_MS, HOLD_MS, MAX_JOINS_IN_FLIGHT, HOLD_MAX_MESSAGES, HOLD_MAX_BYTES, JWT_SECRET, ANONYMOUS,
    JWT_PUBLIC_KEY, JWT_PUBLIC_KEY_ALGORITHM, JWT_AUDIENCE, JWT_ISSUER, JOIN_TIMEOUT_MS, MAX_CONNECTIONS_PER_IP,
    HANDSHAKE_TIMEOUT_MS,     MAX_ROOMS_PER_NODE, RESUME_GRACE_MS, RATE_LIMIT_PER_SECOND, RATE_LIMIT_BURST, MAX_QUEUED_BYTES,
    ALLOWED_ORIGINS, TURN_URLS, TURN_SECRET, TURN_TTL_MS, PUBLISH_LIFECYCLE_EVENTS, PEERJS_PATH, PEERJS_KEY,
    PEERJS_EXPIRE_MS, YJS_PATH, YJS_MAX_TOPICS, DRAIN_MS, WEBHOOK_URLS, WEBHOOK_SECRET, WEBHOOK_QUEUE_MAX, WEBHOOK_TIMEOUT_MS);

  /** Options with every default. */
  public HubOptions() {
    super(SETTINGS);
  }

  /** A copy of {@code other}. */
  public HubOptions(HubOptions other) {
    this(other.toJson());
  }

  /**
   * Options read from JSON, then {@link #validate() validated}; absent keys keep their defaults, keys that
   * are not settings of this class ({@code host}, {@code clustered}...) are ignored.
   *
   * @throws IllegalArgumentException naming the key, when a value has the wrong type or breaks a rule
   */
  public HubOptions(JsonObject json) {
    super(SETTINGS, json);
  }

  /** Whether any token verification key is configured ({@link #JWT_SECRET} or {@link #JWT_PUBLIC_KEY}). */
  public boolean hasTokenKeys() {
    return !getJwtSecret().isEmpty() || !getJwtPublicKey().isEmpty();
  }

  // Typed accessors: one line each; the setting's default, unit, meaning and rule are on its constant.

  /** {@link #WS_PATH}. */
  public String getWsPath() { return get(WS_PATH); }
  public HubOptions setWsPath(String v) { return set(WS_PATH, v); }

  /** {@link #ROOM_CAPACITY}. */
  public int getRoomCapacity() { return get(ROOM_CAPACITY); }
  public HubOptions setRoomCapacity(int v) { return set(ROOM_CAPACITY, v); }

  /** {@link #MAX_FRAME_BYTES}. */
  public int getMaxFrameBytes() { return get(MAX_FRAME_BYTES); }
  public HubOptions setMaxFrameBytes(int v) { return set(MAX_FRAME_BYTES, v); }

  /** {@link #PING_INTERVAL_MS}. */
  public long getPingIntervalMs() { return get(PING_INTERVAL_MS); }
  public HubOptions setPingIntervalMs(long v) { return set(PING_INTERVAL_MS, v); }

  /** {@link #IDLE_TIMEOUT_MS}. */
  public long getIdleTimeoutMs() { return get(IDLE_TIMEOUT_MS); }
  public HubOptions setIdleTimeoutMs(long v) { return set(IDLE_TIMEOUT_MS, v); }

  /** {@link #REQUEST_TIMEOUT_MS}. */
  public long getRequestTimeoutMs() { return get(REQUEST_TIMEOUT_MS); }
  public HubOptions setRequestTimeoutMs(long v) { return set(REQUEST_TIMEOUT_MS, v); }

  /** {@link #RECONCILE_INTERVAL_MS}. */
  public long getReconcileIntervalMs() { return get(RECONCILE_INTERVAL_MS); }
  public HubOptions setReconcileIntervalMs(long v) { return set(RECONCILE_INTERVAL_MS, v); }

  /** {@link #INGRESS_INSTANCES}. */
  public int getIngressInstances() { return get(INGRESS_INSTANCES); }
  public HubOptions setIngressInstances(int v) { return set(INGRESS_INSTANCES, v); }

  /** {@link #DEFAULT_ROOM}. */
  public String getDefaultRoom() { return get(DEFAULT_ROOM); }
  public HubOptions setDefaultRoom(String v) { return set(DEFAULT_ROOM, v); }

  /** {@link #DIALECT_WAIT_MS}. */
  public long getDialectWaitMs() { return get(DIALECT_WAIT_MS); }
  public HubOptions setDialectWaitMs(long v) { return set(DIALECT_WAIT_MS, v); }

  /** {@link #HOLD_MS}. */
  public long getHoldMs() { return get(HOLD_MS); }
  public HubOptions setHoldMs(long v) { return set(HOLD_MS, v); }

  /** {@link #MAX_JOINS_IN_FLIGHT}. */
  public int getMaxJoinsInFlight() { return get(MAX_JOINS_IN_FLIGHT); }
  public HubOptions setMaxJoinsInFlight(int v) { return set(MAX_JOINS_IN_FLIGHT, v); }

  /** {@link #HOLD_MAX_MESSAGES}. */
  public int getHoldMaxMessages() { return get(HOLD_MAX_MESSAGES); }
  public HubOptions setHoldMaxMessages(int v) { return set(HOLD_MAX_MESSAGES, v); }

  /** {@link #HOLD_MAX_BYTES}. */
  public int getHoldMaxBytes() { return get(HOLD_MAX_BYTES); }
  public HubOptions setHoldMaxBytes(int v) { return set(HOLD_MAX_BYTES, v); }

  /** {@link #JWT_SECRET}. */
  public String getJwtSecret() { return get(JWT_SECRET); }
  public HubOptions setJwtSecret(String v) { return set(JWT_SECRET, v); }

  /** {@link #ANONYMOUS}. */
  public boolean isAnonymous() { return get(ANONYMOUS); }
  public HubOptions setAnonymous(boolean v) { return set(ANONYMOUS, v); }

  /** {@link #JWT_PUBLIC_KEY}. */
  public String getJwtPublicKey() { return get(JWT_PUBLIC_KEY); }
  public HubOptions setJwtPublicKey(String v) { return set(JWT_PUBLIC_KEY, v); }

  /** {@link #JWT_PUBLIC_KEY_ALGORITHM}. */
  public String getJwtPublicKeyAlgorithm() { return get(JWT_PUBLIC_KEY_ALGORITHM); }
  public HubOptions setJwtPublicKeyAlgorithm(String v) { return set(JWT_PUBLIC_KEY_ALGORITHM, v); }

  /** {@link #JWT_AUDIENCE}. */
  public String getJwtAudience() { return get(JWT_AUDIENCE); }
  public HubOptions setJwtAudience(String v) { return set(JWT_AUDIENCE, v); }

  /** {@link #JWT_ISSUER}. */
  public String getJwtIssuer() { return get(JWT_ISSUER); }
  public HubOptions setJwtIssuer(String v) { return set(JWT_ISSUER, v); }

  /** {@link #JOIN_TIMEOUT_MS}. */
  public long getJoinTimeoutMs() { return get(JOIN_TIMEOUT_MS); }
  public HubOptions setJoinTimeoutMs(long v) { return set(JOIN_TIMEOUT_MS, v); }

  /** {@link #MAX_CONNECTIONS_PER_IP}. */
  public int getMaxConnectionsPerIp() { return get(MAX_CONNECTIONS_PER_IP); }
  public HubOptions setMaxConnectionsPerIp(int v) { return set(MAX_CONNECTIONS_PER_IP, v); }

  /** {@link #HANDSHAKE_TIMEOUT_MS}. */
  public long getHandshakeTimeoutMs() { return get(HANDSHAKE_TIMEOUT_MS); }
  public HubOptions setHandshakeTimeoutMs(long v) { return set(HANDSHAKE_TIMEOUT_MS, v); }

  /** {@link #MAX_ROOMS_PER_NODE}. */
  public int getMaxRoomsPerNode() { return get(MAX_ROOMS_PER_NODE); }
  public HubOptions setMaxRoomsPerNode(int v) { return set(MAX_ROOMS_PER_NODE, v); }

  /** {@link #RESUME_GRACE_MS}. */
  public long getResumeGraceMs() { return get(RESUME_GRACE_MS); }
  public HubOptions setResumeGraceMs(long v) { return set(RESUME_GRACE_MS, v); }

  /** {@link #RATE_LIMIT_PER_SECOND}. */
  public int getRateLimitPerSecond() { return get(RATE_LIMIT_PER_SECOND); }
  public HubOptions setRateLimitPerSecond(int v) { return set(RATE_LIMIT_PER_SECOND, v); }

  /** {@link #RATE_LIMIT_BURST}. */
  public int getRateLimitBurst() { return get(RATE_LIMIT_BURST); }
  public HubOptions setRateLimitBurst(int v) { return set(RATE_LIMIT_BURST, v); }

  /** {@link #MAX_QUEUED_BYTES}. */
  public int getMaxQueuedBytes() { return get(MAX_QUEUED_BYTES); }
  public HubOptions setMaxQueuedBytes(int v) { return set(MAX_QUEUED_BYTES, v); }

  /** {@link #ALLOWED_ORIGINS}. */
  public String getAllowedOrigins() { return get(ALLOWED_ORIGINS); }
  public HubOptions setAllowedOrigins(String v) { return set(ALLOWED_ORIGINS, v); }

  /** {@link #TURN_URLS}. */
  public String getTurnUrls() { return get(TURN_URLS); }
  public HubOptions setTurnUrls(String v) { return set(TURN_URLS, v); }

  /** {@link #TURN_SECRET}. */
  public String getTurnSecret() { return get(TURN_SECRET); }
  public HubOptions setTurnSecret(String v) { return set(TURN_SECRET, v); }

  /** {@link #TURN_TTL_MS}. */
  public long getTurnTtlMs() { return get(TURN_TTL_MS); }
  public HubOptions setTurnTtlMs(long v) { return set(TURN_TTL_MS, v); }

  /**
   * {@link #PUBLISH_LIFECYCLE_EVENTS}: room-registry and router also publish each lifecycle event as JSON on
   * {@link Addresses#LIFECYCLE_REGISTER}, {@link Addresses#LIFECYCLE_BROADCAST} and
   * {@link Addresses#LIFECYCLE_UNREGISTER} (after the fact: a publication cannot refuse anything; the vetoable
   * hook is {@link HubEvent}).
   */
  public boolean isPublishLifecycleEvents() { return get(PUBLISH_LIFECYCLE_EVENTS); }
  public HubOptions setPublishLifecycleEvents(boolean v) { return set(PUBLISH_LIFECYCLE_EVENTS, v); }

  /** {@link #PEERJS_PATH}. */
  public String getPeerjsPath() { return get(PEERJS_PATH); }
  public HubOptions setPeerjsPath(String v) { return set(PEERJS_PATH, v); }

  /** {@link #PEERJS_KEY}. */
  public String getPeerjsKey() { return get(PEERJS_KEY); }
  public HubOptions setPeerjsKey(String v) { return set(PEERJS_KEY, v); }

  /** {@link #PEERJS_EXPIRE_MS}. */
  public long getPeerjsExpireMs() { return get(PEERJS_EXPIRE_MS); }
  public HubOptions setPeerjsExpireMs(long v) { return set(PEERJS_EXPIRE_MS, v); }

  /** {@link #YJS_PATH}. */
  public String getYjsPath() { return get(YJS_PATH); }
  public HubOptions setYjsPath(String v) { return set(YJS_PATH, v); }

  /** {@link #YJS_MAX_TOPICS}. */
  public int getYjsMaxTopics() { return get(YJS_MAX_TOPICS); }
  public HubOptions setYjsMaxTopics(int v) { return set(YJS_MAX_TOPICS, v); }

  /** {@link #DRAIN_MS}. */
  public long getDrainMs() { return get(DRAIN_MS); }
  public HubOptions setDrainMs(long v) { return set(DRAIN_MS, v); }

  /** {@link #WEBHOOK_URLS}. */
  public String getWebhookUrls() { return get(WEBHOOK_URLS); }
  public HubOptions setWebhookUrls(String v) { return set(WEBHOOK_URLS, v); }

  /** {@link #WEBHOOK_SECRET}. */
  public String getWebhookSecret() { return get(WEBHOOK_SECRET); }
  public HubOptions setWebhookSecret(String v) { return set(WEBHOOK_SECRET, v); }

  /** {@link #WEBHOOK_QUEUE_MAX}. */
  public int getWebhookQueueMax() { return get(WEBHOOK_QUEUE_MAX); }
  public HubOptions setWebhookQueueMax(int v) { return set(WEBHOOK_QUEUE_MAX, v); }

  /** {@link #WEBHOOK_TIMEOUT_MS}. */
  public long getWebhookTimeoutMs() { return get(WEBHOOK_TIMEOUT_MS); }
  public HubOptions setWebhookTimeoutMs(long v) { return set(WEBHOOK_TIMEOUT_MS, v); }

  /** Whether webhooks are configured ({@link #WEBHOOK_URLS}). */
  public boolean hasWebhooks() {
    return !getWebhookUrls().isBlank();
  }
}
