package io.signalhub.example;

import io.signalhub.SignalingHub;
import io.signalhub.verticles.HubEvent;
import io.signalhub.verticles.HubOptions;
import io.signalhub.verticles.WsIngressVerticle;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;

import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * An existing Vert.x application that embeds the signaling hub: the code that {@code docs/embedding.md}
 * shows (the regions between {@code tag::} and {@code end::} comments; a test keeps the guide equal to them).
 * It deploys the hub's verticles into its own {@code Vertx}, mounts the WebSocket endpoint on its own
 * {@link Router} next to its own routes, and decides on the hub's lifecycle events: an admission rule (rooms
 * named {@code staff-*} only for peers named {@code staff-*}) and a moderation rule (no message over 16 KiB).
 */
public class ExistingApplication extends VerticleBase {

  /** The lifecycle events this application saw: {@code {"channel":"register|broadcast|unregister","peer","room"}}. */
  public final BlockingQueue<JsonObject> events = new LinkedBlockingQueue<>();
  private final int port;
  private SignalingHub hub;
  private HttpServer server;

  /** @param port the application's HTTP port on 127.0.0.1; 0 picks a free one */
  public ExistingApplication(int port) {
    this.port = port;
  }

  /** Runs the application on http://127.0.0.1:8080/ ({@code mvn exec:java} or your IDE). */
  public static void main(String[] args) {
    Vertx.vertx().deployVerticle(new ExistingApplication(8080))
      .onSuccess(id -> System.out.println("signaling at ws://127.0.0.1:8080/rtc/signaling"))
      .onFailure(Throwable::printStackTrace);
  }

  @Override
  public Future<?> start() {
    // tag::deploy[]
    // Who may connect: anonymous mode is for local use and tests. In production set a JWT key instead,
    // e.g. new HubOptions().setJwtSecret(secret) or .setJwtPublicKey(pem): every connection then needs a
    // token (docs/protocol.md, "Authentication"). With neither, every WebSocket is refused (1008).
    HubOptions options = new HubOptions().setAnonymous(true).setRoomCapacity(8);
    SignalingHub hub = SignalingHub.create(vertx, options);
    hub.eventHandler(this::onHubEvent);                        // optional: your admission and moderation rules

    Future<?> started = hub.deployVerticles().compose(v -> {
      Router router = Router.router(vertx);
      router.get("/api/hello").handler(ctx -> ctx.json(new JsonObject().put("hello", "from the application")));
      router.get("/rtc/signaling").handler(hub.webSocketHandler());              // protocol v1 and the dialects
      router.post("/rtc/rooms/join").handler(BodyHandler.create().setBodyLimit(4096)).handler(hub.roomsJoinHandler());
      router.get("/rtc/ice-servers").handler(hub.iceServersHandler());           // TURN credentials
      router.get("/rtc/ready").handler(hub.readinessHandler());
      router.get("/rtc/health").handler(hub.livenessHandler());
      // the hub's WebSocket limits (frame size, no compression) and handshake deadline on the application's server
      return hub.createHttpServer(WsIngressVerticle.serverOptions(options).setHost("127.0.0.1").setPort(port))
        .requestHandler(router).listen();
    });
    // end::deploy[]
    this.hub = hub;
    return started.onSuccess(s -> server = (HttpServer) s);
  }

  // tag::events[]
  /** The application's rules: each REGISTER and BROADCAST is completed with its decision. */
  private void onHubEvent(HubEvent event) {
    events.add(new JsonObject().put("channel", event.type().name().toLowerCase(Locale.ROOT))
      .put("peer", event.peer()).put("room", event.room()));
    switch (event.type()) {
      case REGISTER -> event.complete(!event.room().startsWith("staff-") || event.peer().startsWith("staff-"));
      case BROADCAST -> event.complete(event.length() <= 16_384);
      case UNREGISTER -> { } // observe-only: event.reason() says why the peer left
    }
  }
  // end::events[]

  @Override
  public Future<?> stop() {
    return hub.undeploy();
  }

  /** The application's HTTP port. */
  public int port() {
    return server.actualPort();
  }
}
