package io.signalhub.verticles.impl;

import io.netty.handler.codec.http.QueryStringDecoder;
import io.signalhub.protocol.CloseCodes;
import io.signalhub.protocol.Ids;
import io.signalhub.verticles.HubOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.CorsHandler;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The protocols of two standard client libraries, served beside the hub's own on one ws-ingress instance's router
 * (docs/protocol.md, "PeerJS" and "y-webrtc"):
 * <ul>
 *   <li>PeerJS at {@link HubOptions#getPeerjsPath()} ({@code /peerjs}): {@code GET /peerjs/<key>/id} answers a
 *       fresh id as plain text (401 for another key), {@code GET /peerjs/<key>/peers} 401 (no discovery, as the
 *       reference server's default), both with CORS for any origin; the WebSocket at
 *       {@code /peerjs/peerjs?key=&id=&token=} ({@link PeerJsSession});</li>
 *   <li>y-webrtc at {@link HubOptions#getYjsPath()} ({@code /yjs}), WebSocket only, {@code ?token=} carrying the
 *       JWT when authentication is on ({@link YjsSession}).</li>
 * </ul>
 * The WebSockets pass the same checks as the hub's own (origin, connections per address, a stopping node), done
 * by the {@code upgrade} function given to {@link #mount}.
 */
public final class ClientProtocols {

  private final Vertx vertx;
  private final HubOptions options;
  private final String node;
  private final HubMetrics metrics;
  private final TokenAuth auth;
  private final YjsTopics topics;
  private final Set<PeerJsSession> peerJs = ConcurrentHashMap.newKeySet();
  private final Set<YjsSession> yjs = ConcurrentHashMap.newKeySet();

  public ClientProtocols(Vertx vertx, HubOptions options, String node, HubMetrics metrics, TokenAuth auth) {
    this.vertx = vertx;
    this.options = options;
    this.node = node;
    this.metrics = metrics;
    this.auth = auth;
    this.topics = new YjsTopics(vertx);
  }

  /**
   * Mounts the enabled protocols on {@code router}; {@code upgrade} turns a route's request into a served
   * WebSocket after the hub's handshake checks: it gets the request's context and what serves the socket (the
   * socket, and what to run once it has closed).
   */
  public void mount(Router router, Function<BiConsumer<ServerWebSocket, Runnable>, Handler<RoutingContext>> upgrade) {
    String peerjs = options.getPeerjsPath();
    if (!peerjs.isEmpty()) {
      router.route(peerjs + "/*").handler(CorsHandler.create().allowedMethod(HttpMethod.GET));
      router.get(peerjs + "/peerjs").handler(upgrade.apply(this::servePeerJs));
      router.get(peerjs + "/:key/id").handler(ctx -> {
        if (!options.getPeerjsKey().equals(ctx.pathParam("key"))) {
          ctx.response().setStatusCode(401).end("Invalid key provided");
        } else {
          ctx.response().putHeader("content-type", "text/html; charset=utf-8").end(UUID.randomUUID().toString());
        }
      });
      router.get(peerjs + "/:key/peers").handler(ctx -> ctx.response().setStatusCode(401).end());
    }
    if (!options.getYjsPath().isEmpty()) {
      router.get(options.getYjsPath()).handler(upgrade.apply(this::serveYjs));
    }
  }

  /**
   * A PeerJS WebSocket: {@code key}, {@code id} and {@code token} are required ({@code ERROR} "No id, token, or key
   * supplied to websocket server" otherwise), the key must be {@link HubOptions#getPeerjsKey()} ({@code ERROR}
   * "Invalid key provided"), the id a hub peer id ({@code ERROR} "Invalid id"); each {@code ERROR} is followed by
   * close 1008.
   */
  private void servePeerJs(ServerWebSocket ws, Runnable onClose) {
    Map<String, List<String>> query = query(ws);
    String key = Handshake.first(query, "key", null);
    String id = Handshake.first(query, "id", null);
    String token = Handshake.first(query, "token", null);
    String refusal = key == null || id == null || token == null || key.isEmpty() || id.isEmpty() || token.isEmpty()
      ? "No id, token, or key supplied to websocket server"
      : !options.getPeerjsKey().equals(key) ? "Invalid key provided"
      : !Ids.isValid(id) ? "Invalid id: 1-64 of A-Z a-z 0-9 _ -" : null;
    if (refusal != null) {
      PeerJsSession.refuse(ws, "ERROR", refusal, CloseCodes.POLICY_VIOLATION);
      onClose.run();
      return;
    }
    PeerJsSession[] self = new PeerJsSession[1];
    self[0] = new PeerJsSession(vertx, ws, options, node, metrics, auth, id, token, () -> {
      peerJs.remove(self[0]);
      onClose.run();
    });
    peerJs.add(self[0]);
    self[0].start();
  }

  private void serveYjs(ServerWebSocket ws, Runnable onClose) {
    YjsSession[] self = new YjsSession[1];
    self[0] = new YjsSession(vertx, ws, options, node, metrics, auth, Handshake.first(query(ws), "token", null), topics, () -> {
      yjs.remove(self[0]);
      onClose.run();
    });
    yjs.add(self[0]);
    self[0].start();
  }

  /** The query parameters of the socket's URI; none when it cannot be parsed. */
  private static Map<String, List<String>> query(ServerWebSocket ws) {
    try {
      return new QueryStringDecoder(ws.uri()).parameters();
    } catch (IllegalArgumentException malformed) {
      return Map.of();
    }
  }

  /** Starts receiving the y-webrtc topics' publishes from every node. */
  public Future<Void> start() {
    return options.getYjsPath().isEmpty() ? Future.succeededFuture() : topics.start();
  }

  /** Closes every connection of these protocols with 1001 (going away): the node stops. */
  public Future<Void> stop() {
    peerJs.forEach(s -> s.close(CloseCodes.GOING_AWAY, "node stopping"));
    yjs.forEach(s -> s.close(CloseCodes.GOING_AWAY, "node stopping"));
    return topics.stop();
  }
}
