package io.signalhub.impl;

import io.signalhub.HubServerOptions;
import io.signalhub.SignalingHub;
import io.signalhub.verticles.HubEvent;
import io.signalhub.verticles.HubOptions;
import io.signalhub.verticles.PresenceVerticle;
import io.signalhub.verticles.RoomRegistryVerticle;
import io.signalhub.verticles.RouterVerticle;
import io.signalhub.verticles.WebhookVerticle;
import io.signalhub.verticles.WsIngressVerticle;
import io.signalhub.verticles.impl.HandshakeDeadline;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** {@link SignalingHub} deploying one verticle per concern. */
public final class SignalingHubImpl implements SignalingHub {

  private final Vertx vertx;
  private final HubOptions options;
  private final List<String> deployments = new ArrayList<>();
  private final List<WsIngressVerticle> ingresses = new CopyOnWriteArrayList<>();
  private volatile boolean ready;
  private Handler<HubEvent> eventHandler;

  public SignalingHubImpl(Vertx vertx, HubOptions options) {
    this.vertx = vertx;
    this.options = options;
  }

  @Override
  public synchronized SignalingHub eventHandler(Handler<HubEvent> handler) {
    if (!deployments.isEmpty()) {
      throw new IllegalStateException("set the event handler before deploying the hub");
    }
    this.eventHandler = handler;
    return this;
  }

  @Override
  public Future<Void> deploy(HubServerOptions server) {
    HubServerOptions copy;
    try {
      copy = new HubServerOptions(server).validate();
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    return start(copy);
  }

  @Override
  public Future<Void> deployVerticles() {
    return start(null);
  }

  /** Deploys the verticles, with the hub's own server when {@code server} is not {@code null}. */
  private synchronized Future<Void> start(HubServerOptions server) {
    if (!deployments.isEmpty()) {
      return Future.failedFuture(new IllegalStateException("already deployed"));
    }
    SocketAddress listenOn = server == null ? null
      : SocketAddress.inetSocketAddress(server.getPort(), server.getHost());
    DeploymentOptions one = new DeploymentOptions().setInstances(1);
    Handler<HubEvent> events = eventHandler;
    return vertx.deployVerticle(() -> new RoomRegistryVerticle(options, events), one).map(this::track)
      .compose(v -> vertx.deployVerticle(() -> new PresenceVerticle(options), one).map(this::track))
      .compose(v -> vertx.deployVerticle(() -> new RouterVerticle(options, events), one).map(this::track))
      .compose(v -> !options.hasWebhooks() ? Future.<String>succeededFuture()
        : vertx.deployVerticle(() -> new WebhookVerticle(options), one).map(this::track))
      .compose(v -> vertx.deployVerticle(() -> {
        WsIngressVerticle ingress = new WsIngressVerticle(options, listenOn,
          server == null ? null : router -> hubRoutes(router, server), server == null ? null : server.tls());
        ingresses.add(ingress);
        return ingress;
      }, new DeploymentOptions().setInstances(options.getIngressInstances())).map(this::track))
      .onSuccess(v -> ready = true)
      .recover(t -> undeploy().transform(ar -> Future.failedFuture(t)))
      .mapEmpty();
  }

  private synchronized String track(String deploymentId) {
    deployments.add(deploymentId);
    return deploymentId;
  }

  /** The hub's own server: operations endpoints, the admin API (with {@code adminSecret}), then the demo page and /client.js. */
  private void hubRoutes(Router router, HubServerOptions server) {
    OpsRoutes.mount(router, vertx, this::ready);
    AdminRoutes.mount(router, vertx, options, server.getAdminSecret());
    if (server.isDemo()) {
      // /client.js (and its TypeScript declarations) for pages of any origin: a module script is fetched in CORS
      // mode, so `import ... from 'http://hub:8080/client.js'` needs this header. Then on to the StaticHandler.
      router.getWithRegex("/client\\.(js|d\\.ts)").handler(ctx -> {
        ctx.response().putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, "*");
        ctx.next();
      });
      // StaticHandler (vertx-web 5.0) leaves the request paused, so Vert.x never sees it end and the metrics'
      // vertx_http_server_active_requests grew by one for each file served: resume it once the response is sent
      router.get("/*").handler(ctx -> {
        ctx.addEndHandler(v -> ctx.request().resume());
        ctx.next();
      }).handler(StaticHandler.create("webroot").setCachingEnabled(false));
    }
  }

  @Override
  public Handler<RoutingContext> webSocketHandler() {
    return ingress().webSocketHandler();
  }

  @Override
  public HttpServer createHttpServer(HttpServerOptions server) {
    return HandshakeDeadline.of(vertx, options).httpServer(vertx, server);
  }

  @Override
  public void mountClientProtocols(Router router) {
    ingress().mountClientProtocols(router);
  }

  @Override
  public Handler<RoutingContext> iceServersHandler() {
    return ingress().iceServersHandler();
  }

  private WsIngressVerticle ingress() {
    if (ingresses.isEmpty()) {
      throw new IllegalStateException("deploy the hub first");
    }
    return ingresses.get(0);
  }

  @Override
  public Handler<RoutingContext> roomsJoinHandler() {
    return ingress().roomsJoinHandler();
  }

  @Override
  public int actualPort() {
    return ingresses.isEmpty() ? -1 : ingresses.get(0).actualPort();
  }

  @Override
  public synchronized Future<Void> undeploy() {
    ready = false;
    List<String> reversed = new ArrayList<>(deployments);
    Collections.reverse(reversed);
    deployments.clear();
    ingresses.clear();
    Future<Void> chain = Future.succeededFuture();
    for (String id : reversed) {
      chain = chain.eventually(() -> vertx.undeploy(id));
    }
    return chain;
  }

  /** Whether every verticle is deployed and the hub is not stopping. */
  boolean ready() {
    return ready;
  }

  @Override
  public Handler<RoutingContext> livenessHandler() {
    return HealthCheckHandler.createWithHealthChecks(OpsRoutes.liveness(vertx));
  }

  @Override
  public Handler<RoutingContext> readinessHandler() {
    return HealthCheckHandler.createWithHealthChecks(OpsRoutes.readiness(vertx, this::ready));
  }

  @Override
  public HubOptions options() {
    return new HubOptions(options);
  }
}
