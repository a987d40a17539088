package io.signalhub.verticles;

import io.signalhub.verticles.impl.HubMetrics;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The webhooks verticle: POSTs each room created or closed and each peer joined or left, for the rooms with peers
 * of this node, to every URL of {@link HubOptions#getWebhookUrls()} (docs/protocol.md, "Webhooks").
 *
 * <p>Body, JSON: {@code {"id":<uuid>,"event":"room_created"|"peer_joined"|"peer_left"|"room_closed","time":<epoch
 * ms>,"room","peer"?,"node","members"?,"reason"?}} ({@code reason} of a {@code peer_left}: {@code left},
 * {@code disconnected}, {@code node-failed}, ...). Headers: {@code Content-Type: application/json},
 * {@code X-Signalhub-Event: <event>}, {@code X-Signalhub-Event-Id: <id>}, and {@code X-Signalhub-Signature:
 * sha256=<hex>}, the HMAC-SHA256 of the body's bytes with {@link HubOptions#getWebhookSecret()} (RFC 2104), which a
 * receiver computes again and compares in constant time.
 *
 * <p>Each URL has its own queue and at most one POST in flight: events reach it in the order this node saw them
 * (so in order per room for the joins and leaves of this node's peers). A POST that fails (no answer within
 * {@link HubOptions#getWebhookTimeoutMs()}, a refused connection, a status other than 2xx) is retried, the same
 * event first, after 0.5 s doubling to 30 s with ±20 % jitter, without end while the node runs. At most
 * {@link HubOptions#getWebhookQueueMax()} events wait per URL; newer ones are dropped and counted. Events are
 * read from {@link Addresses#LIFECYCLE_REGISTER} and {@link Addresses#LIFECYCLE_UNREGISTER}, which the room-registry
 * publishes when webhooks are configured. Deploy one instance per node.
 */
public class WebhookVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(WebhookVerticle.class);
  /** First retry delay, in ms. */
  static final long FIRST_BACKOFF_MS = 500;
  /** Longest retry delay, in ms. */
  static final long MAX_BACKOFF_MS = 30_000;

  private HubOptions options;
  private HttpClient http;
  private HubMetrics metrics;
  private Mac mac;
  private final List<Target> targets = new ArrayList<>();
  private volatile boolean stopping;

  /** Reads its options from the deployment config ({@link HubOptions#HubOptions(JsonObject)}). */
  public WebhookVerticle() {
  }

  /** Uses {@code options} instead of the deployment config. */
  public WebhookVerticle(HubOptions options) {
    this.options = options;
  }

  @Override
  public Future<?> start() throws GeneralSecurityException {
    if (options == null) {
      options = new HubOptions(config());
    }
    mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(options.getWebhookSecret().getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    metrics = HubMetrics.of(vertx);
    http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true));
    for (String url : options.getWebhookUrls().split(",")) {
      if (!url.isBlank()) {
        targets.add(new Target(url.trim()));
      }
    }
    return Future.all(
      vertx.eventBus().<JsonObject>localConsumer(Addresses.LIFECYCLE_REGISTER, this::registered).completion(),
      vertx.eventBus().<JsonObject>localConsumer(Addresses.LIFECYCLE_UNREGISTER, this::unregistered).completion());
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    int waiting = targets.stream().mapToInt(t -> t.queue.size()).sum();
    if (waiting > 0) {
      LOG.warn("webhooks: {} event(s) not delivered: the node stops", waiting);
    }
    return http.close();
  }

  private void registered(Message<JsonObject> msg) {
    JsonObject e = msg.body();
    if (e.containsKey("protocol")) {
      return; // a PeerJS or y-webrtc connection: no room of the hub's
    }
    if (e.getInteger("members", 0) == 1) {
      enqueue(event("room_created", e).put("room", e.getString("room")));
    }
    enqueue(event("peer_joined", e).put("peer", e.getString("peer")).put("members", e.getInteger("members")));
  }

  private void unregistered(Message<JsonObject> msg) {
    JsonObject e = msg.body();
    if (e.containsKey("protocol")) {
      return;
    }
    enqueue(event("peer_left", e).put("peer", e.getString("peer")).put("reason", e.getString("reason")));
    if (e.getBoolean("roomRemoved", false)) {
      enqueue(event("room_closed", e));
    }
  }

  private static JsonObject event(String name, JsonObject lifecycle) {
    return new JsonObject().put("id", UUID.randomUUID().toString()).put("event", name)
      .put("time", System.currentTimeMillis()).put("room", lifecycle.getString("room"))
      .put("node", lifecycle.getString("node"));
  }

  private void enqueue(JsonObject event) {
    Buffer body = event.toBuffer();
    String signature = "sha256=" + HexFormat.of().formatHex(mac.doFinal(body.getBytes()));
    for (Target target : targets) {
      target.offer(new Pending(event.getString("event"), event.getString("id"), body, signature));
    }
  }

  /** One event for one URL: its name, id, body and signature. */
  private record Pending(String event, String id, Buffer body, String signature) {
  }

  /** One URL: its queue, and the POST in flight. */
  private final class Target {
    private final String url;
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private boolean sending;
    private long backoffMs = FIRST_BACKOFF_MS;

    Target(String url) {
      this.url = url;
    }

    void offer(Pending pending) {
      if (queue.size() >= options.getWebhookQueueMax()) {
        metrics.webhook("dropped");
        return;
      }
      queue.add(pending);
      if (!sending) {
        send();
      }
    }

    private void send() {
      Pending next = queue.peek();
      if (next == null || stopping) {
        sending = false;
        return;
      }
      sending = true;
      RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url)
        .setTimeout(options.getWebhookTimeoutMs())
        .putHeader("Content-Type", "application/json")
        .putHeader("X-Signalhub-Event", next.event())
        .putHeader("X-Signalhub-Event-Id", next.id())
        .putHeader("X-Signalhub-Signature", next.signature());
      http.request(request)
        .compose(req -> req.send(next.body()))
        .compose(resp -> resp.body().map(b -> resp.statusCode()))
        .onComplete(ar -> {
          if (ar.succeeded() && ar.result() / 100 == 2) {
            queue.poll();
            metrics.webhook("delivered");
            backoffMs = FIRST_BACKOFF_MS;
            send();
            return;
          }
          metrics.webhook("retried");
          long delay = Math.round(backoffMs * (0.8 + 0.4 * ThreadLocalRandom.current().nextDouble()));
          LOG.atWarn().addKeyValue("event", "webhook-failed").addKeyValue("url", url)
            .log("webhook {} to {} failed ({}), retried in {} ms; {} waiting", next.event(), url,
              ar.succeeded() ? "HTTP " + ar.result() : ar.cause().toString(), delay, queue.size());
          backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
          vertx.setTimer(delay, t -> send());
        });
    }
  }
}
