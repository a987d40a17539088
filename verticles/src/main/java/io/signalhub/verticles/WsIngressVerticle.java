package io.signalhub.verticles;

import io.signalhub.protocol.ErrorCode;
import io.signalhub.protocol.Ids;
import io.signalhub.verticles.impl.ClientProtocols;
import io.signalhub.verticles.impl.ConnectionsPerIp;
import io.signalhub.verticles.impl.EnvelopeCodec;
import io.signalhub.verticles.impl.HandshakeDeadline;
import io.signalhub.verticles.impl.HubMetrics;
import io.signalhub.verticles.impl.Nodes;
import io.signalhub.verticles.impl.JoinGate;
import io.signalhub.verticles.impl.Session;
import io.signalhub.verticles.impl.TokenAuth;
import io.signalhub.verticles.impl.TurnCredentials;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.file.FileProps;
import io.vertx.core.file.FileSystem;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.ServerSSLOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The ws-ingress verticle: the WebSocket endpoint of protocol v1 ({@code docs/protocol.md}).
 *
 * <p>For each peer it decodes text frames, claims the peer id with presence, registers the local consumer at
 * {@code peer.<id>.<epoch>} (other nodes reach it through this node's relay, {@link Addresses#node}), joins the
 * room with the room-registry, and only then sends {@code welcome}. Signaling messages go to the router as
 * {@link io.signalhub.protocol.Envelope}s; what {@code peer.<id>} receives is written to the socket. Close
 * and error share one clean-up path that leaves the room and releases the id.
 *
 * <p>It either listens on its own HTTP server (at the address given to its constructor, WebSocket at
 * {@link HubOptions#getWsPath()}), or, created without an address, only serves
 * sockets handed to {@link #webSocketHandler()} / {@link #accept(ServerWebSocket)} by an application's
 * own server. Stopping it hands its resumable peers to another node, closes every socket with 1001 (going
 * away) and removes the peers not handed over from their rooms before the stop completes.
 */
public class WsIngressVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(WsIngressVerticle.class);

  private HubOptions options;
  private final SocketAddress listenOn;
  /** TLS of the own server, or {@code null}. */
  private final ServerTls tls;
  /** The timer that checks {@link #tls}'s files for a change, or -1. */
  private long tlsCheck = -1;
  /** Modification times and sizes of the TLS files in use ({@link #tlsFilesStamp()}). */
  private String tlsStamp;
  private boolean listenFromConfig;
  private final Consumer<Router> routes;
  private final Set<Session> sessions = ConcurrentHashMap.newKeySet();
  /** Bounds this instance's joins in flight ({@link HubOptions#getMaxJoinsInFlight()}); set in {@link #start()}. */
  private JoinGate joinGate;
  /** Parked sessions: peers adopted from stopping nodes, waiting for their clients to resume. */
  private final Set<Session> parked = ConcurrentHashMap.newKeySet();
  private MessageConsumer<JsonObject> adoptions;
  private volatile boolean stopping;
  private String node;
  private HubMetrics metrics;
  private HttpServer server;
  private TokenAuth auth;
  private ConnectionsPerIp perIp;
  /** PeerJS and y-webrtc, on this instance's own server ({@link HubOptions#getPeerjsPath()}, {@link HubOptions#getYjsPath()}). */
  private ClientProtocols clientProtocols;
  private java.util.Set<String> allowedOrigins = java.util.Set.of();

  /** Path of the TURN credentials endpoint on the verticle's own server. */
  public static final String ICE_SERVERS_PATH = "/ice-servers";
  /** Path of the Go room hub's REST join (seed document 004) on the verticle's own server. */
  public static final String ROOMS_JOIN_PATH = "/rooms/join";

  /**
   * Deployed by class name: options from the deployment config ({@link HubOptions#HubOptions(JsonObject)}),
   * listening on its own server at the config's {@code host} and {@code port} (the keys of the hub's server
   * options; absent: {@code 127.0.0.1} and a free port, see {@link #actualPort()}).
   */
  public WsIngressVerticle() {
    this(null, null, null);
    listenFromConfig = true;
  }

  /**
   * @param options the hub's options, or {@code null} to read them from the deployment config
   * @param listenOn the address of an HTTP server of its own ({@code 0.0.0.0} for every interface, port 0
   *     for a free one), or {@code null} for none: the application mounts {@link #webSocketHandler()}
   * @param routes adds more routes (e.g. a demo page) to its own server's router; may be {@code null}
   */
  public WsIngressVerticle(HubOptions options, SocketAddress listenOn, Consumer<Router> routes) {
    this(options, listenOn, routes, null);
  }

  /**
   * As {@link #WsIngressVerticle(HubOptions, SocketAddress, Consumer)}, the own server speaking TLS with
   * {@code tls} ({@code null}: plain HTTP).
   */
  public WsIngressVerticle(HubOptions options, SocketAddress listenOn, Consumer<Router> routes, ServerTls tls) {
    this.options = options;
    this.listenOn = listenOn;
    this.routes = routes;
    this.tls = tls;
  }

  /**
   * Server options that enforce the hub's WebSocket limits: frame and message size
   * ({@link HubOptions#getMaxFrameBytes()}, over it the socket is closed with 1009) and no per-message
   * or per-frame compression. An application mounting {@link #webSocketHandler()} on its own server should
   * apply the same, and set its own host and port.
   */
  public static HttpServerOptions serverOptions(HubOptions options) {
    return new HttpServerOptions()
      .setMaxWebSocketFrameSize(options.getMaxFrameBytes())
      .setMaxWebSocketMessageSize(options.getMaxFrameBytes())
      .setPerMessageWebSocketCompressionSupported(false)
      .setPerFrameWebSocketCompressionSupported(false);
  }

  @Override
  public Future<?> start() {
    SocketAddress address = listenOn;
    if (options == null) {
      options = new HubOptions(config());
    }
    if (listenFromConfig) {
      address = SocketAddress.inetSocketAddress(config().getInteger("port", 0), config().getString("host", "127.0.0.1"));
    }
    EnvelopeCodec.register(vertx);
    node = Nodes.nodeId(vertx);
    metrics = HubMetrics.of(vertx);
    joinGate = new JoinGate(options.getMaxJoinsInFlight());
    auth = TokenAuth.create(vertx, options);
    if (options.isAnonymous()) {
      LOG.warn("*** ANONYMOUS MODE: any client may connect without a token, with any peer id, to any room. "
        + "For the demo and local use only; set anonymous=false and jwtSecret or jwtPublicKey in production. ***");
    } else if (auth == null) {
      LOG.warn("*** no jwtSecret or jwtPublicKey configured and anonymous=false: every connection will be refused ***");
    }
    perIp = ConnectionsPerIp.of(vertx);
    clientProtocols = new ClientProtocols(vertx, options, node, metrics, auth);
    allowedOrigins = new java.util.HashSet<>();
    for (String origin : options.getAllowedOrigins().split(",")) {
      if (!origin.isBlank()) {
        allowedOrigins.add(origin.trim());
      }
    }
    adoptions = vertx.eventBus().consumer(Addresses.PEER_ADOPT, this::adopt);
    Future<Void> consumers = Future.all(adoptions.completion(), clientProtocols.start()).mapEmpty();
    if (address == null) {
      return consumers;
    }
    Router router = Router.router(vertx);
    router.get(options.getWsPath()).handler(webSocketHandler());
    router.post(ROOMS_JOIN_PATH).handler(BodyHandler.create().setBodyLimit(4096)).handler(roomsJoinHandler());
    router.get(ICE_SERVERS_PATH).handler(iceServersHandler());
    clientProtocols.mount(router, this::upgrade);
    if (routes != null) {
      routes.accept(router);
    }
    HttpServerOptions serverOptions = serverOptions(options).setHost(address.host()).setPort(address.port());
    if (tls != null) {
      serverOptions.setSsl(true).setKeyCertOptions(pem());
    }
    server = HandshakeDeadline.of(vertx, options).httpServer(vertx, serverOptions).requestHandler(router);
    return consumers.compose(v -> server.listen()).compose(s -> tls == null ? Future.succeededFuture()
      : tlsFilesStamp().map(stamp -> {
        tlsStamp = stamp;
        tlsCheck = vertx.setPeriodic(tls.reloadCheckMs(), t -> checkTlsFiles());
        return s;
      }));
  }

  private PemKeyCertOptions pem() {
    return new PemKeyCertOptions().setCertPath(tls.certPath()).setKeyPath(tls.keyPath());
  }

  /** Modification times and sizes of the certificate and key files, to tell a change. */
  private Future<String> tlsFilesStamp() {
    FileSystem fs = vertx.fileSystem();
    return Future.all(fs.props(tls.certPath()), fs.props(tls.keyPath())).map(all -> {
      FileProps cert = all.resultAt(0);
      FileProps key = all.resultAt(1);
      return cert.lastModifiedTime() + "/" + cert.size() + "/" + key.lastModifiedTime() + "/" + key.size();
    });
  }

  /**
   * Every {@link ServerTls#reloadCheckMs()}: when the certificate or key file changed (a renewal), applies them to
   * new connections; files being rewritten or unreadable keep the current ones (logged) and are tried again at the
   * next check.
   */
  private void checkTlsFiles() {
    tlsFilesStamp()
      .compose(stamp -> stamp.equals(tlsStamp) ? Future.succeededFuture()
        : server.updateSSLOptions(new ServerSSLOptions().setKeyCertOptions(pem()), true).map(v -> {
          tlsStamp = stamp;
          LOG.info("TLS certificate {} applied to new connections", tls.certPath());
          return null;
        }))
      .onFailure(t -> LOG.warn("TLS files {} and {} not applied: {}", tls.certPath(), tls.keyPath(), t.toString()));
  }

  /** Another node is stopping: park one of its resumable peers here ({@link Session#adopt}). */
  private void adopt(Message<JsonObject> msg) {
    if (stopping || node.equals(msg.body().getString("node"))) {
      msg.fail(503, "node stopping"); // the sender asks again: another node's instance, or no one
      return;
    }
    Session session = Session.parked(vertx, options, node, this::unpark);
    parked.add(session);
    metrics.sessionCreated();
    session.adopt(msg.body()).onComplete(ar -> {
      if (ar.succeeded()) {
        msg.reply(new JsonObject());
      } else {
        msg.fail(503, String.valueOf(ar.cause().getMessage()));
      }
    });
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    vertx.cancelTimer(tlsCheck);
    // no more adoptions here, then hand the resumable peers to other nodes (the others leave their rooms)
    Future<Void> unregistered = adoptions == null ? Future.succeededFuture() : adoptions.unregister().otherwiseEmpty();
    Future<?> closed = unregistered.compose(v -> {
      List<Session> all = new ArrayList<>(sessions);
      all.addAll(parked);
      int batch = drainBatch(all.size(), options.getDrainMs());
      LOG.info("ws-ingress stopping: {} peer connection(s) handed to other nodes or closed with 1001, {} every {} ms",
        all.size(), batch, DRAIN_INTERVAL_MS);
      List<Future<Void>> closing = new ArrayList<>();
      return drain(all, 0, batch, closing)
        .compose(done -> {
          closing.add(clientProtocols.stop());
          return Future.join(closing).transform(ar -> Future.succeededFuture());
        });
    });
    return server == null ? closed : closed.eventually(server::close);
  }

  /** Interval between two batches of a stopping node's connections, in ms. */
  static final long DRAIN_INTERVAL_MS = 100;
  /** The smallest batch: a node with this many connections or fewer stops them all at once. */
  static final int MIN_DRAIN_BATCH = 50;

  /**
   * How many connections a stopping node shuts down every {@link #DRAIN_INTERVAL_MS}: all of {@code count} within
   * {@code drainMs} (0: all at once), at least {@link #MIN_DRAIN_BATCH} at a time.
   */
  static int drainBatch(int count, long drainMs) {
    long rounds = Math.max(1, drainMs / DRAIN_INTERVAL_MS);
    return Math.max(MIN_DRAIN_BATCH, (int) Math.ceil(count / (double) rounds));
  }

  /**
   * Shuts down {@code all} from {@code from}, {@code batch} now and the rest {@link #DRAIN_INTERVAL_MS} later, so
   * that a stopping node's clients do not all reconnect (and resume) at the same moment; {@code closing} collects
   * each shutdown. Completes once the last batch has started.
   */
  private Future<Void> drain(List<Session> all, int from, int batch, List<Future<Void>> closing) {
    int to = Math.min(all.size(), from + batch);
    for (Session session : all.subList(from, to)) {
      closing.add(session.shutdown());
    }
    if (to >= all.size()) {
      return Future.succeededFuture();
    }
    io.vertx.core.Promise<Void> next = io.vertx.core.Promise.promise();
    vertx.setTimer(DRAIN_INTERVAL_MS, t -> drain(all, to, batch, closing).onComplete(next));
    return next.future();
  }

  /**
   * A route handler that upgrades the request to a WebSocket and serves it; mount it on an application's
   * {@link Router} at any path, e.g. {@code router.get("/signaling").handler(ingress.webSocketHandler())}.
   * A request that is not a WebSocket upgrade gets 400; a browser {@code Origin} that is neither the
   * hub's own nor in {@link HubOptions#getAllowedOrigins()} gets 403; more than
   * {@link HubOptions#getMaxConnectionsPerIp()} open connections from one address get 429; a request while
   * the node stops gets 503.
   */
  public Handler<RoutingContext> webSocketHandler() {
    return upgrade(this::accept);
  }

  /**
   * A route handler that passes the handshake checks of {@link #webSocketHandler()}, upgrades, and hands the socket
   * to {@code serve} with what to run once it has closed (the count of connections per address).
   */
  private Handler<RoutingContext> upgrade(java.util.function.BiConsumer<ServerWebSocket, Runnable> serve) {
    return ctx -> {
      HttpServerRequest request = ctx.request();
      String ip = request.remoteAddress() == null ? "unknown" : request.remoteAddress().hostAddress();
      if (stopping) {
        ctx.response().setStatusCode(503).end("node stopping");
      } else if (!request.canUpgradeToWebSocket()) {
        ctx.response().setStatusCode(400).end("WebSocket upgrade expected");
      } else if (!originAllowed(request)) {
        LOG.atInfo().addKeyValue("event", "refused").addKeyValue("reason", "origin").addKeyValue("ip", ip)
          .addKeyValue("origin", request.getHeader("Origin"))
          .log("WebSocket from {} refused (403): origin {} is not allowed (allowedOrigins)", ip, request.getHeader("Origin"));
        metrics.refused("origin");
        ctx.response().setStatusCode(403).end("origin not allowed");
      } else if (!perIp.tryOpen(ip, options.getMaxConnectionsPerIp())) {
        metrics.refused("address-cap");
        ctx.response().setStatusCode(429).end(ConnectionsPerIp.TOO_MANY);
      } else {
        request.toWebSocket()
          .onSuccess(ws -> serve.accept(ws, () -> perIp.closed(ip)))
          .onFailure(t -> {
            perIp.closed(ip);
            LOG.debug("WebSocket upgrade failed", t);
          });
      }
    };
  }

  /**
   * Mounts the PeerJS server protocol and the y-webrtc signaling protocol ({@link HubOptions#getPeerjsPath()},
   * {@link HubOptions#getYjsPath()}; docs/protocol.md) on an application's {@code router}; their WebSockets pass
   * the checks of {@link #webSocketHandler()}. The verticle's own server has them already. Call it once started.
   */
  public void mountClientProtocols(Router router) {
    clientProtocols.mount(router, this::upgrade);
  }

  /**
   * The Go room hub's REST join (its {@code room.go}, seed document 004): {@code POST /rooms/join} with an optional
   * JSON body {@code {"roomId":"..."}} answers {@code 200 {"roomId","clientId"}}: the room (a new name when
   * none is given) and a fresh peer id, to use in {@code GET /ws?roomId=...&ClientId=...}. It reads the same
   * cluster-wide room state as the WebSocket: {@code 409 {"error":"room-full"}} when the room is full,
   * {@code 400 {"error":"invalid-id"}} for a bad room name or body, {@code 503 {"error":"unavailable"}} when
   * the registry does not answer in time. It keeps no seat: capacity is checked again at the WebSocket join.
   * Mount it behind a {@code BodyHandler}.
   */
  public Handler<RoutingContext> roomsJoinHandler() {
    return ctx -> {
      String room;
      try {
        JsonObject body = ctx.body().length() == 0 ? new JsonObject() : ctx.body().asJsonObject();
        Object named = body == null ? null : body.getValue("roomId");
        room = named == null ? Ids.random() : named instanceof String s ? s : "";
      } catch (RuntimeException e) {
        room = "";
      }
      if (!Ids.isValid(room)) {
        json(ctx, 400, new JsonObject().put("error", ErrorCode.INVALID_ID.code())
          .put("message", "roomId must be 1-64 of A-Z a-z 0-9 _ -"));
        return;
      }
      String roomId = room;
      vertx.eventBus().<JsonObject>request(Addresses.ROOM_GET, new JsonObject().put("room", roomId),
          new DeliveryOptions().setLocalOnly(true).setSendTimeout(options.getRequestTimeoutMs()))
        .onComplete(ar -> {
          if (ar.failed()) {
            json(ctx, 503, new JsonObject().put("error", ErrorCode.UNAVAILABLE.code()));
          } else if (ar.result().body() != null
            && ar.result().body().getJsonObject("members").size() >= options.getRoomCapacity()) {
            json(ctx, 409, new JsonObject().put("error", ErrorCode.ROOM_FULL.code()));
          } else {
            json(ctx, 200, new JsonObject().put("roomId", roomId).put("clientId", Ids.random()));
          }
        });
    };
  }

  /**
   * {@code GET /ice-servers}: TURN servers with fresh credentials for an authenticated caller, as
   * {@code 200 {"iceServers":[{"urls":[...],"username":"<expiry>:<sub>","credential":"..."}]}} (coturn's TURN
   * REST API scheme, see {@link io.signalhub.verticles.impl.TurnCredentials}). The caller shows a JWT
   * ({@code Authorization: Bearer <jwt>} or {@code ?token=<jwt>}, verified like a connection's token);
   * without a valid one, or when no {@code jwtSecret} is configured, {@code 401 {"error":"unauthorized"}}.
   * Peers connected over the WebSocket get the same in {@code welcome}.
   */
  public Handler<RoutingContext> iceServersHandler() {
    return ctx -> {
      String header = ctx.request().getHeader("Authorization");
      String token = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)
        ? header.substring(7).trim() : ctx.request().getParam("token");
      if (auth == null) {
        json(ctx, 401, new JsonObject().put("error", ErrorCode.UNAUTHORIZED.code())
          .put("message", "this hub accepts no tokens (no jwtSecret configured)"));
        return;
      }
      auth.subject(token).onComplete(ar -> {
        if (ar.failed()) {
          json(ctx, 401, new JsonObject().put("error", ErrorCode.UNAUTHORIZED.code()).put("message", ar.cause().getMessage()));
        } else {
          ctx.response().putHeader("cache-control", "no-store");
          json(ctx, 200, new JsonObject().put("iceServers",
            TurnCredentials.iceServers(options, ar.result(), System.currentTimeMillis() / 1000)));
        }
      });
    };
  }

  private static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
  }

  /**
   * Whether the handshake's {@code Origin} may open a WebSocket: absent (not a browser), the hub's own
   * origin (same host and port as the request), or listed in {@link HubOptions#getAllowedOrigins()}.
   */
  private boolean originAllowed(HttpServerRequest request) {
    String origin = request.getHeader("Origin");
    if (origin == null || allowedOrigins.contains("*") || allowedOrigins.contains(origin)) {
      return true;
    }
    try {
      java.net.URI uri = java.net.URI.create(origin);
      io.vertx.core.net.HostAndPort authority = request.authority();
      if (authority == null || uri.getHost() == null) {
        return false;
      }
      int originPort = uri.getPort() != -1 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
      int hostPort = authority.port() != -1 ? authority.port() : request.isSSL() ? 443 : 80;
      return uri.getHost().equalsIgnoreCase(authority.host()) && originPort == hostPort;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * Serves an already upgraded WebSocket as a peer connection (call it on the socket's context). The
   * handshake checks of {@link #webSocketHandler()} (origin, connections per IP) and the server's frame
   * limits are the caller's.
   */
  public void accept(ServerWebSocket ws) {
    accept(ws, () -> { });
  }

  private void accept(ServerWebSocket ws, Runnable onClose) {
    if (stopping) {
      onClose.run();
      ws.close((short) 1001, "node stopping");
      return;
    }
    Session session = new Session(vertx, ws, options, node, auth, joinGate, onClose, this::ended);
    sessions.add(session);
    metrics.sessionCreated();
    session.start();
    if (stopping) {
      session.shutdown(); // stop() may have taken its snapshot of the sessions before this one was added
    }
  }

  private void ended(Session session) {
    if (sessions.remove(session)) {
      metrics.sessionRemoved();
    }
  }

  private void unpark(Session session) {
    if (parked.remove(session)) {
      metrics.sessionRemoved();
    }
  }

  /** The port the verticle's own server listens on, or -1 when it has none. */
  public int actualPort() {
    return server == null ? -1 : server.actualPort();
  }

  /** Number of open peer connections served by this instance (not counting suspended sessions). */
  public int connections() {
    return (int) sessions.stream().filter(Session::isOpen).count();
  }
}
