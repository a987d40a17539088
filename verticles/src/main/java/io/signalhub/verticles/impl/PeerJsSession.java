package io.signalhub.verticles.impl;

import io.signalhub.protocol.CloseCodes;
import io.signalhub.protocol.ErrorCode;
import io.signalhub.verticles.Addresses;
import io.signalhub.verticles.HubOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * One connection of the PeerJS server protocol (the {@code peer} 1.0 server as {@code peerjs} 1.5 clients speak
 * to it; docs/protocol.md, "PeerJS"). A PeerJS peer is in no room: its id is claimed cluster-wide with presence
 * (so {@code ID-TAKEN} holds across nodes), and a message goes to the connection that holds its {@code dst} id,
 * looked up with presence ({@link Addresses#PRESENCE_LOOKUP}) and sent through that node's relay ({@link Member}).
 *
 * <p>Frames in: {@code HEARTBEAT}; {@code OFFER}, {@code ANSWER}, {@code CANDIDATE}, {@code LEAVE}, {@code EXPIRE}
 * with {@code dst} and {@code payload}, relayed as exactly {@code {"type","src","dst","payload"}} with {@code src}
 * set by the hub; a {@code LEAVE} without {@code dst} ends the registration (close 1000); other types and
 * invalid JSON are ignored (the reference server's behaviour). Frames out: {@code OPEN} once registered,
 * {@code ID-TAKEN} (then close 1000) when another token holds the id, {@code ERROR} (then close 1008) for a
 * refused token, the relayed messages, and {@code {"type":"EXPIRE","src":<dst>,"dst":<id>}} when messages for a
 * peer that did not connect within {@link HubOptions#getPeerjsExpireMs()} were dropped.
 *
 * <p>A connection with the same id and the same token as a connected one takes the id over (the reference's
 * reconnect); the previous connection is closed with 4101. The hub's limits apply: rate limit (over it frames
 * are dropped, then close 4003), write queue (close 1013), pings and idle time-out (close 4000), frame size
 * (close 1009).
 */
public final class PeerJsSession {

  private static final Logger LOG = LoggerFactory.getLogger(PeerJsSession.class);
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);
  /** Prefix of the token hash of a PeerJS claim: only such claims are PeerJS destinations. */
  static final String CLAIM_PREFIX = "peerjs.";
  /** How often a message for a peer that is not connected looks for it again, in ms. */
  static final long RETRY_MS = 200;
  private static final Set<String> RELAYED = Set.of("OFFER", "ANSWER", "CANDIDATE", "LEAVE", "EXPIRE");

  private enum State { AUTHENTICATING, CLAIMING, OPEN, CLOSED }

  /** A message waiting for its destination: its type, the frame to send and when it lapses (epoch ms). */
  private record Pending(String type, String frame, long deadline) {
  }

  private final Vertx vertx;
  private final ServerWebSocket ws;
  private final ProtocolSocket socket;
  private final HubOptions options;
  private final String node;
  private final HubMetrics metrics;
  private final TokenAuth auth;
  private final String id;
  private final String token;
  private final Runnable onClose;
  private final String epoch = io.signalhub.protocol.Ids.random();
  /** Messages per destination id whose connection is being looked up, in the order they were sent. */
  private final Map<String, ArrayDeque<Pending>> outbound = new HashMap<>();
  private State state = State.AUTHENTICATING;
  private MessageConsumer<Object> consumer;

  PeerJsSession(Vertx vertx, ServerWebSocket ws, HubOptions options, String node, HubMetrics metrics, TokenAuth auth,
                String id, String token, Runnable onClose) {
    this.vertx = vertx;
    this.ws = ws;
    this.options = options;
    this.node = node;
    this.metrics = metrics;
    this.auth = auth;
    this.id = id;
    this.token = token;
    this.onClose = onClose;
    this.socket = new ProtocolSocket(ws, options, metrics);
  }

  /** Authenticates (unless anonymous), claims the id, registers the peer's consumer and sends {@code OPEN}. */
  void start() {
    metrics.connectionOpened();
    ws.pause(); // what the client sends before OPEN waits
    ws.textMessageHandler(this::onText);
    ws.closeHandler(v -> closed());
    Future<Void> authenticated = options.isAnonymous() ? Future.succeededFuture()
      : auth == null ? Future.failedFuture("this hub accepts no tokens")
      : auth.verify(token).compose(claims -> id.equals(claims.subject()) ? Future.succeededFuture()
        : Future.failedFuture("the token's 'sub' is not the id"));
    authenticated.onComplete(ar -> {
      if (state == State.CLOSED) {
        return;
      }
      if (ar.failed()) {
        metrics.error(ErrorCode.UNAUTHORIZED.code());
        LOG.info("PeerJS peer {} refused: {}", id, ar.cause().getMessage());
        refuse("ERROR", "Invalid token", CloseCodes.POLICY_VIOLATION);
        return;
      }
      claim();
    });
  }

  private void claim() {
    state = State.CLAIMING;
    String hash = CLAIM_PREFIX + JoinFlow.sha256(token);
    JsonObject claim = new JsonObject().put("peer", id).put("node", node).put("epoch", epoch)
      .put("tokenHash", hash).put("resumeHash", hash).put("adopt", false);
    vertx.eventBus().<JsonObject>request(Addresses.PRESENCE_CONNECT, claim,
        new DeliveryOptions(LOCAL).setSendTimeout(options.getRequestTimeoutMs()))
      .onComplete(ar -> {
        if (ar.failed()) {
          if (!Replies.isRefusal(ar.cause())) {
            vertx.eventBus().send(Addresses.PRESENCE_DISCONNECT, claim, LOCAL); // it may have landed all the same
          }
          if (state != State.CLOSED) {
            if (Replies.toProtocol(ar.cause()).code() == ErrorCode.ID_TAKEN) {
              metrics.error(ErrorCode.ID_TAKEN.code());
              refuse("ID-TAKEN", "ID is taken", CloseCodes.NORMAL);
            } else {
              LOG.warn("PeerJS peer {}: id claim failed: {}", id, ar.cause().toString());
              ws.close(CloseCodes.TRY_AGAIN_LATER, "unavailable, retry");
            }
          }
          return;
        }
        if (state == State.CLOSED) {
          vertx.eventBus().send(Addresses.PRESENCE_DISCONNECT, claim, LOCAL);
          return;
        }
        String previous = ar.result().body().getString("resumedFrom", ar.result().body().getString("replaced"));
        if (previous != null) {
          // the same id and token again (a reconnect): the previous connection goes
          Member.request(vertx, node, id, previous, null, new DeliveryOptions().setSendTimeout(options.getRequestTimeoutMs())
            .addHeader(Addresses.HEADER_OP, Addresses.OP_REPLACE));
        }
        consumer = vertx.eventBus().localConsumer(Addresses.peer(id, epoch), this::onMessage);
        consumer.completion().onComplete(registered -> {
          if (state == State.CLOSED) {
            return;
          }
          state = State.OPEN;
          ws.writeTextMessage(new JsonObject().put("type", "OPEN").encode());
          ws.resume();
          if (options.isPublishLifecycleEvents()) {
            vertx.eventBus().publish(Addresses.LIFECYCLE_REGISTER,
              new JsonObject().put("peer", id).put("node", node).put("protocol", "peerjs"), LOCAL);
          }
          LOG.debug("PeerJS peer {} registered on node {}", id, node);
        });
      });
  }

  /** What reaches {@code peer.<id>.<epoch>}: a frame to write, or a control operation. */
  private void onMessage(Message<Object> msg) {
    String op = msg.headers().get(Addresses.HEADER_OP);
    if (Addresses.OP_PING.equals(op)) {
      socket.heartbeat(); // presence pings each of its peers every pingIntervalMs
    } else if (Addresses.OP_REPLACE.equals(op)) {
      msg.reply(new JsonObject());
      close(CloseCodes.SESSION_TAKEN_OVER, "taken over by a new connection");
    } else if (op == null && msg.body() instanceof String frame && state == State.OPEN) {
      socket.write(frame);
    }
  }

  private void onText(String text) {
    if (!socket.arrived() || state != State.OPEN) {
      return;
    }
    JsonObject frame;
    try {
      frame = new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      return; // the reference server ignores what it cannot parse
    }
    String type = frame.getValue("type") instanceof String t ? t : "";
    Object dst = frame.getValue("dst");
    if (!RELAYED.contains(type)) {
      return; // HEARTBEAT (liveness only) and unknown types
    }
    if (dst == null && "LEAVE".equals(type)) {
      close(CloseCodes.NORMAL, "left"); // the reference removes the client
      return;
    }
    if (!(dst instanceof String to) || !io.signalhub.protocol.Ids.isValid(to)) {
      return;
    }
    String out = new JsonObject().put("type", type).put("src", id).put("dst", to)
      .put("payload", frame.getValue("payload")).encode();
    send(to, type, out);
  }

  /** Sends to {@code dst} in order after what waits for it already. */
  private void send(String dst, String type, String frame) {
    Pending pending = new Pending(type, frame, System.currentTimeMillis() + options.getPeerjsExpireMs());
    ArrayDeque<Pending> queue = outbound.get(dst);
    if (queue != null) {
      if (queue.size() >= options.getHoldMaxMessages()) {
        metrics.expired();
        return; // too many waiting for one peer
      }
      queue.add(pending);
      return;
    }
    queue = new ArrayDeque<>();
    queue.add(pending);
    outbound.put(dst, queue);
    deliver(dst, false);
  }

  /**
   * Looks {@code dst} up and sends what waits for it; when it is not connected, drops {@code LEAVE} and
   * {@code EXPIRE} (as the reference does), lapses what is older than the expiry (one {@code EXPIRE} back) and
   * looks again in {@link #RETRY_MS}.
   */
  private void deliver(String dst, boolean held) {
    vertx.eventBus().<JsonObject>request(Addresses.PRESENCE_LOOKUP, new JsonObject().put("peer", dst),
        new DeliveryOptions(LOCAL).setSendTimeout(options.getRequestTimeoutMs()))
      .onComplete(ar -> {
        ArrayDeque<Pending> queue = outbound.get(dst);
        if (state == State.CLOSED || queue == null) {
          return;
        }
        String session = ar.succeeded() ? peerJsSession(ar.result().body().getString("claim")) : null;
        if (session != null) {
          for (Pending p : queue) {
            Member.send(vertx, node, dst, session, p.frame(), LOCAL);
            metrics.forwarded("peerjs-" + p.type().toLowerCase(java.util.Locale.ROOT));
          }
          outbound.remove(dst);
          return;
        }
        queue.removeIf(p -> p.type().equals("LEAVE") || p.type().equals("EXPIRE"));
        long now = System.currentTimeMillis();
        boolean lapsed = false;
        while (!queue.isEmpty() && queue.peek().deadline() <= now) {
          queue.poll();
          metrics.expired();
          lapsed = true;
        }
        if (lapsed) {
          socket.write(new JsonObject().put("type", "EXPIRE").put("src", dst).put("dst", id).encode());
        }
        if (queue.isEmpty()) {
          outbound.remove(dst);
          return;
        }
        if (!held) {
          metrics.held();
        }
        vertx.setTimer(RETRY_MS, t -> deliver(dst, true));
      });
  }

  /** The session of a stored claim when it is a connected PeerJS peer's, else {@code null}. */
  static String peerJsSession(String claim) {
    if (claim == null || claim.endsWith(PeerDirectory.SUSPENDED)) {
      return null;
    }
    int bar = claim.indexOf('|');
    return bar > 0 && claim.startsWith(CLAIM_PREFIX, bar + 1) ? claim.substring(0, bar) : null;
  }

  private void refuse(String type, String message, short code) {
    refuse(ws, type, message, code);
  }

  /** Sends {@code {"type":<type>,"payload":{"msg":<message>}}} ({@code ERROR}, {@code ID-TAKEN}), then closes with {@code code}. */
  static void refuse(ServerWebSocket ws, String type, String message, short code) {
    ws.writeTextMessage(new JsonObject().put("type", type).put("payload", new JsonObject().put("msg", message)).encode());
    ws.close(code, message);
  }

  /** Closes the socket with {@code code}; the clean-up runs when it has closed. */
  void close(short code, String reason) {
    socket.close(code, reason);
  }

  private void closed() {
    if (state == State.CLOSED) {
      return;
    }
    boolean registered = state == State.OPEN;
    state = State.CLOSED;
    outbound.clear();
    if (consumer != null) {
      consumer.unregister();
      vertx.eventBus().send(Addresses.PRESENCE_DISCONNECT,
        new JsonObject().put("peer", id).put("node", node).put("epoch", epoch), LOCAL);
    }
    if (registered && options.isPublishLifecycleEvents()) {
      vertx.eventBus().publish(Addresses.LIFECYCLE_UNREGISTER, new JsonObject().put("peer", id).put("node", node)
        .put("protocol", "peerjs").put("reason", "disconnected"), LOCAL);
    }
    metrics.connectionClosed();
    onClose.run();
  }

  /** Whether the socket is closed. */
  boolean isClosed() {
    return state == State.CLOSED;
  }
}
