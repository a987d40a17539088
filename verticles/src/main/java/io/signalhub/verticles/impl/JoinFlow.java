package io.signalhub.verticles.impl;

import io.signalhub.protocol.ErrorCode;
import io.signalhub.protocol.Ids;
import io.signalhub.protocol.Inbound;
import io.signalhub.protocol.MessageType;
import io.signalhub.protocol.ProtocolException;
import io.signalhub.verticles.Addresses;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.function.Supplier;

/**
 * One join of a {@link Session}'s connection (docs/protocol.md, "Connecting and joining", "Resume"): wait for the
 * {@link JoinGate}, claim the peer id with presence and register {@code peer.<id>.<epoch>} ({@link #claim}, which
 * also replaces a suspended session or takes one over through {@link Handover#takeOver}), store the room seat
 * (room-registry), then write {@code welcome}, the frames handed over, and the frames of the room that arrived
 * meanwhile ({@link #hold}, never before {@code welcome}). {@link NodeDrain#adopt} uses {@link #claim} alone.
 *
 * <p>The session is {@code JOINING} while this runs, and ends it in {@code JOINED} (welcome written), {@code IDLE}
 * (refused: error frame, the socket stays), {@code SUSPENDED} (the link dropped again during a resume) or
 * {@code LEAVING} (the socket closed). One object per join; confined to the session's context.
 *
 * <p>A join caused by a signaling frame (a Private Meet {@code webrtc.*} frame naming a room while the connection is
 * in none, seed 001: {@link Inbound.InRoom}) carries that frame's signal ({@link #then}): routed right after
 * {@code welcome}, before the client's next frame is read (the socket is paused while joining), so the client's
 * order holds; a refused join drops it (the join's error frame says why).
 */
final class JoinFlow {

  /** A join given up before its request to the room-registry was sent (the socket closed first): nothing to undo. */
  private static final Exception CLOSED_BEFORE_JOIN = new CancellationException("closed before joining");
  /** Shortest resume token offered by a client that is kept as the token of the new connection. */
  static final int MIN_TOKEN_CHARS = 16;
  /**
   * Most frames held for a joining peer until its {@code welcome} is written (or {@code holdMaxMessages}, if
   * more: a resume may bring a hold's worth); more are dropped.
   */
  static final int MAX_EARLY_FRAMES = 256;

  private final Session session;
  final String room;
  private final String peerId;
  /** The stopping node's token hash a parked session claims with, or {@code null} for a connection's join. */
  private final String adoptHash;
  /** Frames for {@link #room} that arrived before {@code welcome} was written; {@code null} until one did. */
  private List<Message<String>> early;
  /** The signal of the frame that caused this join, routed once joined ({@link Inbound.InRoom}), or {@code null}. */
  private final Inbound.Signal then;

  JoinFlow(Session session, String room, String peerId, String adoptHash) {
    this(session, room, peerId, adoptHash, null);
  }

  private JoinFlow(Session session, String room, String peerId, String adoptHash, Inbound.Signal then) {
    this.session = session;
    this.room = room;
    this.peerId = peerId;
    this.adoptHash = adoptHash;
    this.then = then;
  }

  /** Checks a join asked for by the client (throws the error to send) and starts it. */
  static void start(Session session, String roomName, String requestedId) {
    start(session, roomName, requestedId, null);
  }

  /**
   * Checks a join asked for by the client (throws the error to send: {@code invalid-id}, {@code forbidden} when the
   * token's {@code room} claim names another room, else {@code already-joined} when in a room or joining one) and
   * starts it; {@code then}, if not {@code null}, is routed once joined.
   */
  static void start(Session session, String roomName, String requestedId, Inbound.Signal then) {
    Connection conn = session.conn;
    Ids.require(roomName, "room");
    if (conn.handshake().authRoom() != null && !conn.handshake().authRoom().equals(roomName)) {
      // before already-joined: leaving would not help
      throw new ProtocolException(ErrorCode.FORBIDDEN, "the token allows room '" + conn.handshake().authRoom() + "' only");
    }
    if (session.room != null || session.join != null) {
      throw new ProtocolException(ErrorCode.ALREADY_JOINED, "already in room '"
        + (session.room != null ? session.room : session.join.room) + "', send 'leave' first");
    }
    String peerId;
    if (session.id != null || conn.handshake().urlId() != null) {
      peerId = session.id != null ? session.id : conn.handshake().urlId();
      if (requestedId != null && !requestedId.equals(peerId)) {
        throw new ProtocolException(ErrorCode.INVALID_FIELD,
          "field 'data.id' differs from this connection's peer id '" + peerId + "'");
      }
    } else {
      peerId = requestedId != null ? Ids.require(requestedId, "peer id") : Ids.random();
    }
    JoinFlow flow = new JoinFlow(session, roomName, peerId, null, then);
    session.to(Session.State.JOINING);
    session.join = flow;
    conn.pause();
    flow.run();
  }

  private void run() {
    Future<Void> admitted = session.joinGate == null ? Future.succeededFuture()
      : session.joinGate.enter((ContextInternal) session.context);
    admitted
      .compose(v -> unlessClosed(() -> session.id != null ? Future.succeededFuture() : claim()))
      .compose(v -> unlessClosed(() -> session.vertx.eventBus().<JsonObject>request(Addresses.ROOM_JOIN, new JsonObject()
        .put("room", room).put("peer", peerId).put("node", session.node).put("epoch", session.epoch)
        .put("resumeFrom", session.resumedFrom()), session.request)))
      .onComplete(this::completed);
  }

  /**
   * The next step of a join, unless the socket closed meanwhile (while the join waited its turn, or during its
   * previous step): then {@link #CLOSED_BEFORE_JOIN}. A resume goes on, so that the session stays resumable.
   */
  private <T> Future<T> unlessClosed(Supplier<Future<T>> step) {
    return !session.isOpen() && session.resumedFrom() == null ? Future.failedFuture(CLOSED_BEFORE_JOIN) : step.get();
  }

  /** A frame of the room being joined arrived before {@code welcome}: written right after it. */
  void hold(Message<String> msg) {
    if (early == null) {
      early = new ArrayList<>();
    }
    if (early.size() < Math.max(MAX_EARLY_FRAMES, session.options.getHoldMaxMessages())) {
      early.add(msg);
    } else {
      Session.LOG.warn("peer {}: more than {} frames arrived while joining; dropped one", session.id, MAX_EARLY_FRAMES);
    }
  }

  private void completed(AsyncResult<Message<JsonObject>> ar) {
    Session s = session;
    Connection conn = s.conn;
    if (s.joinGate != null) {
      s.joinGate.leave();
    }
    s.join = null;
    if (ar.succeeded()) {
      s.room = room;
    }
    boolean resumed = ar.succeeded() && ar.result().body().getBoolean("resumed", false);
    Handover handover = s.handoverIfAny();
    List<String> handed = handover == null ? null : handover.takeHanded();
    if (handover != null) {
      handover.startFenceWait();
    }
    if (!resumed) {
      handed = null;
    }
    if (!conn.isOpen() && ar.succeeded() && conn.state() == Connection.State.DROPPED && s.resumable()) {
      // the link dropped again while resuming: keep the session (and what was handed over) for a next resume
      if (handed != null) {
        handed.forEach(s.replay::remember);
      }
      if (early != null) {
        early.forEach(m -> s.replay.remember(m.body()));
      }
      s.departure.suspend();
      return;
    }
    if (!conn.isOpen()) {
      if (ar.failed() && s.id != null && !Replies.isRefusal(ar.cause()) && ar.cause() != CLOSED_BEFORE_JOIN) {
        s.room = room; // the join may have been applied: teardown leaves it
      }
      s.departure.teardown();
      return;
    }
    conn.resume();
    if (ar.failed()) {
      if (!Replies.isRefusal(ar.cause())) {
        Session.LOG.warn("peer {}: join of room {} failed on node {}: {}", peerId, room, s.node, ar.cause().toString());
      }
      conn.joinFailed();
      if (s.id != null && !Replies.isRefusal(ar.cause())) {
        // the request timed out: the registry may have added the peer all the same
        s.vertx.eventBus().request(Addresses.ROOM_LEAVE, new JsonObject().put("room", room).put("peer", s.id)
          .put("epoch", s.epoch).put("reason", "disconnected"), s.request);
      }
      s.to(Session.State.IDLE);
      conn.sendError(Replies.toProtocol(ar.cause()), MessageType.JOIN);
      return;
    }
    RoomState state = RoomState.fromJson(ar.result().body());
    s.roomGen = state.gen();
    s.roomVersion = state.version();
    s.roster.reset(state, peerId);
    s.to(Session.State.JOINED);
    if (resumed) {
      s.metrics.resumed();
    }
    JsonObject extra = new JsonObject().put("resumed", resumed);
    JsonArray iceServers = TurnCredentials.iceServers(s.options, peerId, System.currentTimeMillis() / 1000);
    if (!iceServers.isEmpty()) {
      extra.put("iceServers", iceServers);
    }
    if (s.options.getResumeGraceMs() > 0) {
      extra.put("resumeToken", s.resumeToken);
      if (conn.dialect().numbersFrames()) {
        extra.put("seq", s.replay.seq()); // the frames that follow are numbered from seq + 1
      }
    }
    conn.write(conn.dialect().welcome(room, peerId, state.othersThan(peerId), extra));
    if (handed != null) {
      for (String frame : handed) {
        s.inbox.deliver(frame); // kept or unacknowledged by the previous connection, oldest first
      }
    }
    if (early != null) {
      for (Message<String> frame : early) {
        s.inbox.write(frame);
      }
      early = null;
    }
    if (then != null) {
      s.route(then); // the frame that asked for this join; the client's next frames are read after it
    }
    conn.joined();
    // per join: at DEBUG, which costs a level check when off (the default)
    Session.LOG.atDebug().addKeyValue("event", resumed ? "resumed" : "joined").addKeyValue("peer", peerId)
      .addKeyValue("room", room).log("peer {} {} room {} on node {}", peerId, resumed ? "resumed its session in" : "joined", room, s.node);
  }

  /**
   * Claims the id with presence, then registers the local consumer {@code peer.<id>.<epoch>}; then, for a
   * resume, takes the previous connection's session over, or, for a reconnect that replaced a suspended
   * connection, waits until that one has left its room.
   */
  Future<Void> claim() {
    Session s = session;
    EventBus eb = s.vertx.eventBus();
    String claimEpoch = Ids.random();
    String offered = s.conn == null ? null : s.conn.handshake().offeredResume();
    // the resume token stays the same across resumes, so a client that never got a welcome can come back with it;
    // a parked session keeps the stopping node's one; a fresh connection draws one
    String token = adoptHash != null ? null
      : offered != null && offered.length() >= MIN_TOKEN_CHARS ? offered : Ids.random() + Ids.random();
    String hash = adoptHash != null ? adoptHash : sha256(token);
    JsonObject claim = new JsonObject().put("peer", peerId).put("node", s.node).put("epoch", claimEpoch)
      .put("tokenHash", hash).put("adopt", adoptHash != null);
    if (adoptHash != null || offered != null) {
      claim.put("resumeHash", adoptHash != null ? adoptHash : sha256(offered));
    }
    return eb.<JsonObject>request(Addresses.PRESENCE_CONNECT, claim, s.request)
      .onFailure(t -> {
        if (!Replies.isRefusal(t)) {
          // timed out: the claim may be stored all the same, release it (only this connection's claim)
          eb.send(Addresses.PRESENCE_DISCONNECT, claim, Session.LOCAL);
        }
      })
      .compose(reply -> {
        s.id = peerId;
        s.epoch = claimEpoch;
        s.resumeToken = token;
        s.tokenHash = hash;
        s.address = Addresses.peer(peerId, claimEpoch);
        String resumedFrom = reply.body() == null ? null : reply.body().getString("resumedFrom");
        if (resumedFrom != null) {
          s.handover().resumedFrom = resumedFrom;
        }
        String replaced = reply.body() == null ? null : reply.body().getString("replaced");
        s.consumer = eb.localConsumer(s.address, s.inbox::onPeerMessage); // other nodes come through the node relay
        return s.consumer.completion().compose(v -> replaced == null ? Future.succeededFuture() : replace(replaced));
      })
      .compose(v -> s.resumedFrom() == null ? Future.succeededFuture()
        : s.handover().takeOver(room, 1, adoptHash != null ? 0 : s.conn.handshake().offeredReceived(), adoptHash != null));
  }

  /**
   * A claim without the resume token replaced a suspended connection of this peer id: it leaves its room first
   * ({@code peer-left}), so this one joins afresh. A connection that no longer answers is left to the reconciler.
   */
  private Future<Void> replace(String previous) {
    return Member.request(session.vertx, session.node, session.id, previous, null,
        new DeliveryOptions().setSendTimeout(session.options.getRequestTimeoutMs()).addHeader(Addresses.HEADER_OP, Addresses.OP_REPLACE))
      .<Void>mapEmpty()
      .otherwiseEmpty();
  }

  static String sha256(String token) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
