package io.signalhub.example;

import io.signalhub.SignalingHub;
import io.signalhub.verticles.HubEvent;
import io.signalhub.verticles.HubOptions;
import io.signalhub.verticles.WsIngressVerticle;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * An existing Vert.x application that embeds the signaling hub (the example of {@code docs/embedding.md}):
 * it deploys the hub's verticles into its own {@code Vertx}, mounts the WebSocket endpoint on its own
 * {@link Router} at its own path next to its own routes, and decides on the hub's lifecycle events: an
 * admission rule (rooms named {@code staff-*} only for peers named {@code staff-*}) and a moderation rule (no
 * message over 16 KiB), and a record of every event.
 */
public class ExistingApplication extends VerticleBase {

  /** The lifecycle events this application saw: {@code {"channel":"register|broadcast|unregister","peer","room"}}. */
  public final BlockingQueue<JsonObject> events = new LinkedBlockingQueue<>();
  private SignalingHub hub;
  private HttpServer server;

  @Override
  public Future<?> start() {
    // 1. the hub's verticles, without an HTTP server of their own
    HubOptions options = new HubOptions().setAnonymous(true).setRoomCapacity(8);
    hub = SignalingHub.create(vertx, options);

    // 2. decide on register / broadcast and observe unregister (the Go hub's three channels), before deploying
    hub.eventHandler(this::onHubEvent);

    return hub.deployVerticles().compose(v -> {
      // 3. the application's own router: its routes, and the hub's endpoints at paths it chooses
      Router router = Router.router(vertx);
      router.get("/api/hello").handler(ctx -> ctx.json(new JsonObject().put("hello", "from the application")));
      router.get("/rtc/signaling").handler(hub.webSocketHandler());
      router.post("/rtc/rooms/join").handler(BodyHandler.create().setBodyLimit(4096)).handler(hub.roomsJoinHandler());
      router.get("/rtc/ready").handler(hub.readinessHandler());
      // the hub's WebSocket limits (frame size, no compression) on the application's server
      server = vertx.createHttpServer(WsIngressVerticle.serverOptions(options).setHost("127.0.0.1").setPort(0))
        .requestHandler(router);
      return server.listen();
    });
  }

  /** The application's rules: each REGISTER and BROADCAST is completed with its decision. */
  private void onHubEvent(HubEvent event) {
    events.add(new JsonObject().put("channel", event.type().name().toLowerCase(java.util.Locale.ROOT))
      .put("peer", event.peer()).put("room", event.room()));
    switch (event.type()) {
      case REGISTER -> event.complete(!event.room().startsWith("staff-") || event.peer().startsWith("staff-"));
      case BROADCAST -> event.complete(event.length() <= 16_384);
      case UNREGISTER -> { } // observe-only
    }
  }

  @Override
  public Future<?> stop() {
    return hub.undeploy();
  }

  /** The application's HTTP port. */
  public int port() {
    return server.actualPort();
  }
}
