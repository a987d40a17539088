package io.signalhub.loadtest;

import io.netty.handler.codec.http.QueryStringDecoder;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The smallest Vert.x WebSocket relay, the benchmark's measure of what this machine can do: a map from peer
 * id to socket, no event bus, no rooms, no checks beyond the id. Not a product: it exists for
 * {@code scripts/bench}.
 *
 * <p>It speaks the part of protocol v1 the load tool uses: {@code GET /ws?ClientId=<id>} (any other query is
 * ignored) registers the socket and answers {@code {"type":"welcome","to":<id>,"data":{"id":<id>,"peers":[]}}};
 * each text frame is parsed as JSON, gets {@code "from":<id>}, is encoded again (as the hub does) and written
 * to the socket of its {@code "to"}; a {@code to} that is not connected gets
 * {@code {"type":"error","data":{"code":"not-in-room"}}}.
 *
 * <p>Run: {@code java -cp signalhub-loadtest-<version>-fat.jar io.signalhub.loadtest.RawRelay [port] [host]}
 * (default 8090 on 127.0.0.1); one event loop, like the hub's one ws-ingress instance.
 */
public final class RawRelay extends VerticleBase {

  private final Map<String, ServerWebSocket> peers = new ConcurrentHashMap<>();
  private final String host;
  private final int port;
  private HttpServer server;

  /** A relay that will listen on {@code host:port} (port 0: any free port) once deployed. */
  public RawRelay(String host, int port) {
    this.host = host;
    this.port = port;
  }

  @Override
  public Future<?> start() {
    server = vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port)
        .setMaxWebSocketFrameSize(65536).setMaxWebSocketMessageSize(65536))
      .webSocketHandler(this::accept);
    return server.listen();
  }

  /** The port it listens on. */
  public int actualPort() {
    return server.actualPort();
  }

  private void accept(ServerWebSocket ws) {
    List<String> ids = new QueryStringDecoder(ws.uri()).parameters().get("ClientId");
    String id = ids == null || ids.isEmpty() ? null : ids.get(0);
    if (id == null || peers.putIfAbsent(id, ws) != null) {
      ws.close((short) 1008, id == null ? "ClientId required" : "id taken");
      return;
    }
    ws.closeHandler(v -> peers.remove(id, ws));
    ws.textMessageHandler(text -> {
      JsonObject frame;
      try {
        frame = new JsonObject(text);
      } catch (RuntimeException e) {
        ws.writeTextMessage("{\"type\":\"error\",\"data\":{\"code\":\"malformed-json\"}}");
        return;
      }
      Object to = frame.getValue("to");
      ServerWebSocket target = to instanceof String s ? peers.get(s) : null;
      if (target == null) {
        ws.writeTextMessage("{\"type\":\"error\",\"data\":{\"code\":\"not-in-room\"}}");
        return;
      }
      target.writeTextMessage(frame.put("from", id).encode());
    });
    ws.writeTextMessage(new JsonObject().put("type", "welcome").put("to", id)
      .put("data", new JsonObject().put("id", id).put("peers", new io.vertx.core.json.JsonArray())).encode());
  }

  /** {@code RawRelay [port] [host]}: runs until stopped (SIGTERM / Ctrl-C). */
  public static void main(String[] args) throws Exception {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 8090;
    String host = args.length > 1 ? args[1] : "127.0.0.1";
    Vertx vertx = Vertx.vertx();
    RawRelay relay = new RawRelay(host, port);
    vertx.deployVerticle(relay).await(30, TimeUnit.SECONDS);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        vertx.close().await(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        // exiting anyway
      }
    }));
    System.out.println("raw relay listening on ws://" + host + ":" + relay.actualPort() + "/ws");
    System.out.flush();
  }
}
