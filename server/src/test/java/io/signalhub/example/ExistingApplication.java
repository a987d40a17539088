package io.signalhub.example;

import io.signalhub.SignalingHub;
import io.signalhub.verticles.Addresses;
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
 * {@link Router} at its own path next to its own routes, and observes the hub's lifecycle events.
 */
public class ExistingApplication extends VerticleBase {

  /** The lifecycle events this application saw: {@code {"channel":"register|broadcast|unregister", ...event}}. */
  public final BlockingQueue<JsonObject> events = new LinkedBlockingQueue<>();
  private SignalingHub hub;
  private HttpServer server;

  @Override
  public Future<?> start() {
    // 1. the hub's verticles, without an HTTP server of their own
    HubOptions options = new HubOptions().setAnonymous(true).setRoomCapacity(8);
    hub = SignalingHub.create(vertx, options);

    // 2. observe register / broadcast / unregister (the Go hub's three channels), published on each node
    vertx.eventBus().<JsonObject>consumer(Addresses.LIFECYCLE_REGISTER, m -> events.add(m.body().copy().put("channel", "register")));
    vertx.eventBus().<JsonObject>consumer(Addresses.LIFECYCLE_BROADCAST, m -> events.add(m.body().copy().put("channel", "broadcast")));
    vertx.eventBus().<JsonObject>consumer(Addresses.LIFECYCLE_UNREGISTER, m -> events.add(m.body().copy().put("channel", "unregister")));

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

  @Override
  public Future<?> stop() {
    return hub.undeploy();
  }

  /** The application's HTTP port. */
  public int port() {
    return server.actualPort();
  }
}
