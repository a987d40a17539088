package io.signalhub;

import io.signalhub.impl.SignalingHubImpl;
import io.signalhub.verticles.HubEvent;
import io.signalhub.verticles.HubOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * A WebRTC signaling hub running in a given {@link Vertx}: the room-registry, presence, router and
 * ws-ingress verticles (package {@code io.signalhub.verticles}), talking over the event bus.
 *
 * <p>Standalone: {@link #deploy(HubServerOptions)} also starts the hub's own HTTP server with the WebSocket
 * endpoint ({@link HubOptions#getWsPath()}, protocol v1 of {@code docs/protocol.md}) and the demo page at {@code /}.
 * Embedded: {@link #deployVerticles()} deploys the verticles only, and the application mounts
 * {@link #webSocketHandler()} on its own {@code Router}:
 *
 * <pre>{@code
 * SignalingHub hub = SignalingHub.create(vertx, new HubOptions().setJwtSecret(secret)); // or setAnonymous(true)
 * hub.deployVerticles().onSuccess(v -> router.get("/signaling").handler(hub.webSocketHandler()));
 * }</pre>
 *
 * Options must say how peers authenticate: a JWT key ({@link HubOptions#setJwtSecret},
 * {@link HubOptions#setJwtPublicKey}) or anonymous mode for local use; with neither, every WebSocket is refused
 * with {@code unauthorized} and close code 1008 ({@code docs/protocol.md}, "Authentication").
 *
 * In a {@code Vertx} clustered with Hazelcast, rooms and peer ids are cluster-wide and peers on different
 * nodes reach each other over the clustered event bus; otherwise the same verticles work on local state.
 * Deploy one hub per {@code Vertx}: its event-bus addresses ({@link io.signalhub.verticles.Addresses}) are
 * the {@code Vertx}'s.
 */
public interface SignalingHub {

  /**
   * A hub for {@code vertx} with {@code options} (copied); nothing is deployed yet.
   *
   * @throws IllegalArgumentException {@code invalid hub setting '<key>': ...}, when a setting of {@code options}
   *     breaks its rule ({@link HubOptions#validate()})
   */
  static SignalingHub create(Vertx vertx, HubOptions options) {
    return new SignalingHubImpl(vertx, new HubOptions(options).validate());
  }

  /**
   * Sets the handler of the hub's lifecycle events (the Go room hub's register, broadcast and unregister),
   * before {@link #deploy()} or {@link #deployVerticles()}. Like vert.x-web's {@code BridgeEvent}, each
   * {@link HubEvent} is a {@code Promise<Boolean>}: complete a {@link HubEvent.Type#REGISTER} or
   * {@link HubEvent.Type#BROADCAST} with {@code true} to let the join or the message through, with {@code false}
   * (or fail it) to refuse it; the client gets {@code join-refused} or {@code message-refused}. Undecided within
   * half of {@link HubOptions#getRequestTimeoutMs()}, or a handler that throws: refused.
   * {@link HubEvent.Type#UNREGISTER} is observe-only. Without a handler, the hub builds no event.
   *
   * <pre>{@code
   * hub.eventHandler(event -> {
   *   switch (event.type()) {
   *     case REGISTER -> event.complete(!event.room().startsWith("staff-") || event.peer().startsWith("staff-"));
   *     case BROADCAST -> event.complete(event.length() <= 16_384);
   *     case UNREGISTER -> log.info("{} left {} ({})", event.peer(), event.room(), event.reason());
   *   }
   * });
   * }</pre>
   *
   * The handler runs on the hub's event loops and must not block; it may complete the promise later, from
   * any thread. Each node asks about its own peers' joins and messages: set it on every node's hub.
   *
   * @param handler the handler, or {@code null} for none
   * @return this
   * @throws IllegalStateException once the hub is deployed
   */
  SignalingHub eventHandler(Handler<HubEvent> handler);

  /**
   * Deploys the verticles and starts the hub's own HTTP server with {@code server}'s address and demo page.
   *
   * @param server copied; see {@link HubServerOptions} for the defaults
   * @return completes when the server listens; fails when a verticle fails to start, the port is taken, or
   *     with {@link IllegalArgumentException} when a setting of {@code server} is invalid
   */
  Future<Void> deploy(HubServerOptions server);

  /**
   * {@link #deploy(HubServerOptions)} with the defaults: {@code 127.0.0.1:8080}, demo page at {@code /}.
   */
  default Future<Void> deploy() {
    return deploy(new HubServerOptions());
  }

  /** Deploys the verticles without an HTTP server of the hub's own; mount {@link #webSocketHandler()}. */
  Future<Void> deployVerticles();

  /**
   * The route handler of the WebSocket endpoint, to mount on an application's router at any path. Valid
   * once {@link #deploy(HubServerOptions)} or {@link #deployVerticles()} has completed. Apply
   * {@link io.signalhub.verticles.WsIngressVerticle#serverOptions(HubOptions)}'s WebSocket limits to the
   * application's server.
   */
  Handler<RoutingContext> webSocketHandler();

  /**
   * An HTTP server for an application's router, like {@code vertx.createHttpServer(options)}, that guards against
   * slow and unfinished requests as the hub's own server does: a connection that has not delivered a whole request
   * {@link HubOptions#getHandshakeTimeoutMs()} after accept (or after its last response, when kept alive) is
   * closed, and until its request head has arrived it counts in {@link HubOptions#getMaxConnectionsPerIp()}, with
   * the hub's WebSockets (docs/configuration.md, "Slow and unfinished requests"). It speaks no h2c, and its TLS
   * handshake time-out is the same. Built on Vert.x's internal API: on a Vert.x without it, a plain server, with a
   * warning in the log. Valid once the hub is created.
   */
  HttpServer createHttpServer(HttpServerOptions options);

  /**
   * The Go room hub's REST join ({@code POST /rooms/join}; seed document 004), to mount on an application's router behind a
   * {@code BodyHandler}; see {@link io.signalhub.verticles.WsIngressVerticle#roomsJoinHandler()}.
   */
  Handler<RoutingContext> roomsJoinHandler();

  /**
   * TURN credentials for an authenticated caller ({@code GET /ice-servers} on the hub's own server); see
   * {@link io.signalhub.verticles.WsIngressVerticle#iceServersHandler()}.
   */
  Handler<RoutingContext> iceServersHandler();

  /**
   * Mounts the PeerJS server protocol and the y-webrtc signaling protocol on an application's {@code router}, at
   * {@link HubOptions#getPeerjsPath()} and {@link HubOptions#getYjsPath()} (the hub's own server has them already;
   * docs/protocol.md, "PeerJS" and "y-webrtc"); their WebSockets pass the checks of {@link #webSocketHandler()}.
   * Call it once {@link #deployVerticles()} has completed.
   */
  void mountClientProtocols(Router router);

  /** Liveness ({@code GET /health} on the hub's own server): 200 while the event loop answers. */
  Handler<RoutingContext> livenessHandler();

  /**
   * Readiness ({@code GET /ready} on the hub's own server): 200 when the verticles are deployed and, in a
   * clustered {@code Vertx}, the node is an active cluster member; 503 otherwise.
   */
  Handler<RoutingContext> readinessHandler();

  /** The port the hub's own server listens on, or -1 when it has none. */
  int actualPort();

  /**
   * Undeploys the verticles: ws-ingress first, which hands every resumable peer (protocol v1,
   * {@link HubOptions#getResumeGraceMs()} &gt; 0) to another node of the cluster, closes every peer with 1001 and
   * removes from their rooms those that were not handed over (their rooms get {@code peer-left} at once); then
   * router, presence and room-registry ({@code docs/protocol.md}, "Resume").
   */
  Future<Void> undeploy();

  /** The options in use. */
  HubOptions options();
}
