package io.signalhub.verticles.impl;

import io.signalhub.protocol.CloseCodes;
import io.signalhub.protocol.ErrorCode;
import io.signalhub.protocol.Ids;
import io.signalhub.verticles.Addresses;
import io.signalhub.verticles.HubOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One connection of the y-webrtc signaling protocol (y-webrtc 10's {@code bin/server.js}; docs/protocol.md,
 * "y-webrtc"): JSON text frames {@code {"type":"subscribe","topics":[...]}}, {@code {"type":"unsubscribe",
 * "topics":[...]}}, {@code {"type":"publish","topic":T,...}} (sent as it is, plus {@code "clients":n}, to every
 * subscriber of T on every node, the sender included) and {@code {"type":"ping"}} (answered
 * {@code {"type":"pong"}}); anything else is ignored. The hub never looks inside what is published (y-webrtc may
 * encrypt it).
 *
 * <p>With authentication on, the connection's {@code ?token=} JWT is verified first (refused: close 1008); a
 * token with a {@code room} claim limits the connection to that one topic (other topics are ignored). At most
 * {@link HubOptions#getYjsMaxTopics()} topics per connection (more are ignored); the rate limit (frames dropped,
 * then close 4003), write queue (close 1013), frame size (close 1009), and WebSocket pings every
 * {@link HubOptions#getPingIntervalMs()} with the idle time-out (close 4000) apply as for every connection.
 */
public final class YjsSession {

  private static final Logger LOG = LoggerFactory.getLogger(YjsSession.class);
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);
  /** Longest topic name, in characters. */
  static final int MAX_TOPIC_CHARS = 512;

  private enum State { AUTHENTICATING, OPEN, CLOSED }

  private final Vertx vertx;
  private final ServerWebSocket ws;
  private final ProtocolSocket socket;
  private final HubOptions options;
  private final String node;
  private final HubMetrics metrics;
  private final TokenAuth auth;
  private final String token;
  private final YjsTopics topics;
  private final Runnable onClose;
  /** This connection's id in lifecycle events (y-webrtc's own peer ids travel inside what it publishes). */
  private final String id = Ids.random();
  private final Set<String> subscribed = new LinkedHashSet<>();
  private State state = State.AUTHENTICATING;
  /** The one topic a token's {@code room} claim allows, or {@code null}: any. */
  private String onlyTopic;
  private long pingTimer = -1;

  YjsSession(Vertx vertx, ServerWebSocket ws, HubOptions options, String node, HubMetrics metrics, TokenAuth auth,
             String token, YjsTopics topics, Runnable onClose) {
    this.vertx = vertx;
    this.ws = ws;
    this.options = options;
    this.node = node;
    this.metrics = metrics;
    this.auth = auth;
    this.token = token;
    this.topics = topics;
    this.onClose = onClose;
    this.socket = new ProtocolSocket(ws, options, metrics);
  }

  void start() {
    metrics.connectionOpened();
    ws.pause();
    ws.textMessageHandler(this::onText);
    ws.closeHandler(v -> closed());
    pingTimer = vertx.setPeriodic(options.getPingIntervalMs(), t -> socket.heartbeat());
    Future<String> authenticated = options.isAnonymous() ? Future.succeededFuture(null)
      : auth == null ? Future.failedFuture("this hub accepts no tokens")
      : auth.verify(token).map(TokenAuth.Claims::room);
    authenticated.onComplete(ar -> {
      if (state == State.CLOSED) {
        return;
      }
      if (ar.failed()) {
        metrics.error(ErrorCode.UNAUTHORIZED.code());
        LOG.info("y-webrtc connection refused: {}", ar.cause().getMessage());
        close(CloseCodes.POLICY_VIOLATION, "unauthorized");
        return;
      }
      onlyTopic = ar.result();
      state = State.OPEN;
      ws.resume();
    });
  }

  private void onText(String text) {
    if (!socket.arrived() || state != State.OPEN) {
      return;
    }
    JsonObject frame;
    try {
      frame = new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      return;
    }
    switch (frame.getValue("type") instanceof String t ? t : "") {
      case "subscribe" -> subscribe(frame.getValue("topics"));
      case "unsubscribe" -> {
        for (String topic : topicsOf(frame.getValue("topics"))) {
          if (subscribed.remove(topic)) {
            left(topic);
          }
        }
      }
      case "publish" -> {
        if (frame.getValue("topic") instanceof String topic && allowed(topic)) {
          frame.remove("clients");
          topics.publish(topic, frame.encode());
          metrics.forwarded("yjs-publish");
        }
      }
      case "ping" -> write(new JsonObject().put("type", "pong").encode());
      default -> { }
    }
  }

  private void subscribe(Object list) {
    for (String topic : topicsOf(list)) {
      if (!allowed(topic) || subscribed.contains(topic)) {
        continue;
      }
      if (subscribed.size() >= options.getYjsMaxTopics()) {
        metrics.error(ErrorCode.TOO_MANY_ROOMS.code());
        break;
      }
      subscribed.add(topic);
      topics.subscribe(topic, this);
      if (options.isPublishLifecycleEvents()) {
        vertx.eventBus().publish(Addresses.LIFECYCLE_REGISTER, new JsonObject().put("peer", id).put("room", topic)
          .put("node", node).put("protocol", "yjs").put("members", topics.count(topic)), LOCAL);
      }
    }
  }

  private void left(String topic) {
    topics.unsubscribe(topic, this);
    if (options.isPublishLifecycleEvents()) {
      vertx.eventBus().publish(Addresses.LIFECYCLE_UNREGISTER, new JsonObject().put("peer", id).put("room", topic)
        .put("node", node).put("protocol", "yjs").put("reason", "unsubscribed"), LOCAL);
    }
  }

  private boolean allowed(String topic) {
    return !topic.isEmpty() && topic.length() <= MAX_TOPIC_CHARS && (onlyTopic == null || onlyTopic.equals(topic));
  }

  private static List<String> topicsOf(Object list) {
    List<String> out = new ArrayList<>();
    if (list instanceof JsonArray array) {
      for (Object o : array) {
        if (o instanceof String s) {
          out.add(s);
        }
      }
    }
    return out;
  }

  /** Writes a frame to the socket; a full write queue closes it with 1013. */
  void write(String frame) {
    if (state != State.CLOSED) {
      socket.write(frame);
    }
  }

  /** Closes the socket with {@code code}; the clean-up runs when it has closed. */
  void close(short code, String reason) {
    socket.close(code, reason);
  }

  private void closed() {
    if (state == State.CLOSED) {
      return;
    }
    state = State.CLOSED;
    vertx.cancelTimer(pingTimer);
    for (String topic : subscribed) {
      left(topic);
    }
    subscribed.clear();
    metrics.connectionClosed();
    onClose.run();
  }
}
