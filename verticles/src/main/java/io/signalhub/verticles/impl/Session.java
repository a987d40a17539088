package io.signalhub.verticles.impl;

import io.signalhub.protocol.Dialect;
import io.signalhub.protocol.Envelope;
import io.signalhub.protocol.ErrorCode;
import io.signalhub.protocol.Inbound;
import io.signalhub.protocol.ProtocolException;
import io.signalhub.protocol.V1Dialect;
import io.signalhub.verticles.Addresses;
import io.signalhub.verticles.HubOptions;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Consumer;

/**
 * A peer's session on this node: its id, its address {@code peer.<id>.<epoch>}, its room, and its {@link State}.
 * It outlives its socket ({@link Connection}, {@code null} for a session parked by {@link NodeDrain}): a link that
 * drops suspends a protocol-v1 session for {@code resumeGraceMs}. Confined to the socket's context.
 *
 * <p>Frames in: {@link Connection#onText} decodes, then {@link #onInbound} routes a signal to {@link Addresses#ROUTE},
 * or starts a {@link JoinFlow} or a leave. Frames out: {@link #onPeerMessage} (the consumer of the address) passes
 * what the {@link Handover} does not forward or hold to {@link #accept}, then {@link #deliver} numbers it in the
 * {@link ReplayLog} and {@link Connection#write}s it. The other jobs: {@link JoinFlow} (claim, room join, welcome),
 * {@link ReplayLog} (unacked and kept frames), {@link Handover} (resume takeover, fences, forwarding),
 * {@link NodeDrain} (adopt and migrate when a node stops). docs/protocol.md: "Delivery contract", "Resume".
 *
 * <p>States and their legal transitions ({@link #to}; anything else throws {@link IllegalStateException}):
 * <pre>
 * IDLE      -> JOINING | LEAVING                      (connected, in no room)
 * JOINING   -> JOINED | IDLE | SUSPENDED | LEAVING     (a join in flight)
 * ADOPTING  -> SUSPENDED | LEAVING                     (parked, adopting a stopping node's peer)
 * JOINED    -> IDLE | SUSPENDED | HANDED_OVER | LEAVING (in a room, socket open: frames written)
 * SUSPENDED -> HANDED_OVER | LEAVING                   (in a room, no socket: frames kept for a resume)
 * HANDED_OVER -> ENDED                                 (resumed elsewhere: forwards what still arrives)
 * LEAVING   -> ENDED                                   (leaving the room, releasing address and id)
 * </pre>
 */
public final class Session {

  static final Logger LOG = LoggerFactory.getLogger(Session.class);
  static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  enum State { IDLE, JOINING, ADOPTING, JOINED, SUSPENDED, HANDED_OVER, LEAVING, ENDED }

  final Vertx vertx;
  final HubOptions options;
  final String node;
  final Context context;
  final HubMetrics metrics;
  /** Local requests with {@code requestTimeoutMs}. */
  final DeliveryOptions request;
  /** Bounds the joins in flight on this session's ws-ingress, or {@code null} (a parked session). */
  final JoinGate joinGate;
  /** The socket, or {@code null} for a parked session. */
  final Connection conn;
  final ReplayLog replay;
  private final Consumer<Session> onEnd;
  private final Promise<Void> ended = Promise.promise();
  private State state;

  /** The claimed peer id, or {@code null} before the first join. */
  String id;
  /** This connection's epoch and its address {@code peer.<id>.<epoch>}, set with {@link #id}. */
  String epoch;
  String address;
  MessageConsumer<String> consumer;
  /** The token that resumes this session, told in {@code welcome}, and its SHA-256 as stored in the directory. */
  String resumeToken;
  String tokenHash;
  /** The room the peer is in, or {@code null}. */
  String room;
  /** Generation and version of the newest state of {@link #room} this peer was told of. */
  String roomGen;
  long roomVersion;
  /** The join in flight, or {@code null}. */
  JoinFlow join;
  /** Resume takeover, fences and forwarding; {@code null} until needed. */
  private Handover handover;
  String leaveReason = "disconnected";
  /** When the grace period of a suspended session ends, {@link System#currentTimeMillis()}. */
  long suspendedUntil;
  long graceTimer = -1;

  /**
   * @param auth verifies Private Meet tokens, or {@code null} when no {@code jwtSecret} is configured
   * @param joinGate bounds the joins in flight of the ws-ingress serving this session, or {@code null}
   * @param onSocketClosed called once when the socket is closed
   * @param onEnd called once when the session has ended (after a suspension, when it expired or was resumed)
   */
  public Session(Vertx vertx, ServerWebSocket ws, HubOptions options, String node, TokenAuth auth, JoinGate joinGate,
                 Runnable onSocketClosed, Consumer<Session> onEnd) {
    this.vertx = vertx;
    this.options = options;
    this.node = node;
    this.joinGate = joinGate;
    this.onEnd = onEnd;
    this.metrics = HubMetrics.of(vertx);
    this.context = vertx.getOrCreateContext();
    this.request = new DeliveryOptions().setLocalOnly(true).setSendTimeout(options.getRequestTimeoutMs());
    this.replay = new ReplayLog(options.getHoldMaxMessages(), options.getHoldMaxBytes());
    this.conn = ws == null ? null : new Connection(vertx, ws, options, this, auth, onSocketClosed);
    this.state = ws == null ? State.ADOPTING : State.IDLE;
  }

  /** Installs the socket handlers and joins the room named in the URL, if any. */
  public void start() {
    conn.start();
  }

  /** A parked session (no socket) that adopts a stopping node's peer: see {@link NodeDrain#adopt}. */
  public static Session parked(Vertx vertx, HubOptions options, String node, Consumer<Session> onEnd) {
    return new Session(vertx, null, options, node, null, null, () -> { }, onEnd);
  }

  /** Adopts the peer of a {@link Addresses#PEER_ADOPT} request (a parked session): see {@link NodeDrain#adopt}. */
  public Future<Void> adopt(JsonObject request) {
    return NodeDrain.adopt(this, request);
  }

  /** Whether the peer's socket is open (read from any thread: a snapshot). */
  public boolean isOpen() {
    return conn != null && conn.isOpen();
  }

  /**
   * The node is stopping: hands a resumable peer to another node, else closes the socket with 1001 and removes the
   * peer from its room at once; completes when this session has ended. Safe to call from any thread.
   */
  public Future<Void> shutdown() {
    context.runOnContext(v -> NodeDrain.shutdown(this));
    return ended.future();
  }

  State state() {
    return state;
  }

  /** Moves to {@code next}, or throws {@link IllegalStateException} for a transition the class Javadoc does not list. */
  void to(State next) {
    boolean legal = switch (state) {
      case IDLE -> next == State.JOINING || next == State.LEAVING;
      case JOINING -> next == State.JOINED || next == State.IDLE || next == State.SUSPENDED || next == State.LEAVING;
      case ADOPTING -> next == State.SUSPENDED || next == State.LEAVING;
      case JOINED -> next == State.IDLE || next == State.SUSPENDED || next == State.HANDED_OVER || next == State.LEAVING;
      case SUSPENDED -> next == State.HANDED_OVER || next == State.LEAVING;
      case HANDED_OVER, LEAVING -> next == State.ENDED;
      case ENDED -> false;
    };
    if (!legal) {
      IllegalStateException bug = new IllegalStateException("session of peer " + id + ": " + state + " -> " + next);
      LOG.error("bug: illegal session transition", bug);
      throw bug;
    }
    if (state == State.JOINED) {
      metrics.peerLeft(); // the signalhub_peers gauge counts the JOINED sessions
    } else if (next == State.JOINED) {
      metrics.peerJoined();
    }
    state = next;
  }

  /** Whether a join is in flight. */
  boolean isJoining() {
    return join != null;
  }

  /** Whether what arrives is kept for a resume (suspended, or parked). */
  boolean keeping() {
    return state == State.SUSPENDED || state == State.ADOPTING;
  }

  Dialect dialect() {
    return conn == null ? V1Dialect.INSTANCE : conn.dialect();
  }

  Handover handover() {
    if (handover == null) {
      handover = new Handover(this);
    }
    return handover;
  }

  /** The handover's data, or {@code null} when none was needed yet. */
  Handover handoverIfAny() {
    return handover;
  }

  /** The session this one took over by a resume, or {@code null}. */
  String resumedFrom() {
    return handover == null ? null : handover.resumedFrom;
  }

  /** Whether this session was handed over and forwards what still arrives. */
  boolean forwarding() {
    return handover != null && handover.forwardTo != null;
  }

  /**
   * Whether this peer's client can resume: it was told a resume token and frame numbers (protocol v1). The seed
   * dialects' clients cannot, so their peers leave at once as before.
   */
  boolean resumable() {
    Dialect dialect = dialect();
    return options.getResumeGraceMs() > 0 && dialect != null && dialect.numbersFrames() && tokenHash != null;
  }

  /** A decoded frame from the client. */
  void onInbound(Inbound inbound) {
    if (inbound instanceof Inbound.Signal signal) {
      if (room == null) {
        throw new ProtocolException(ErrorCode.NOT_JOINED, "join a room before sending '" + signal.type() + "'");
      }
      vertx.eventBus().send(Addresses.ROUTE, new Envelope(signal.type(), room, id, address, signal.to(), signal.members(),
        roomGen, roomVersion, HubMetrics.nowMicros()), EnvelopeCodec.DELIVERY);
    } else if (inbound instanceof Inbound.Join j) {
      join(j.room(), j.id());
    } else if (inbound instanceof Inbound.Hello hello) {
      join(conn.handshake().urlRoom() != null ? conn.handshake().urlRoom() : options.getDefaultRoom(), hello.id());
    } else {
      leave();
    }
  }

  void join(String roomName, String requestedId) {
    JoinFlow.start(this, roomName, requestedId);
  }

  private void leave() {
    if (room == null) {
      throw new ProtocolException(ErrorCode.NOT_JOINED, join != null ? "still joining" : "not in a room");
    }
    String left = room;
    room = null;
    if (state == State.JOINED) {
      to(State.IDLE); // (an adopted live peer of a stopping node is HANDED_OVER already)
    }
    vertx.eventBus().request(Addresses.ROOM_LEAVE,
        new JsonObject().put("room", left).put("peer", id).put("reason", "left"), request)
      .onComplete(ar -> {
        if (conn.isOpen()) {
          conn.write(dialect().left(left));
        }
        LOG.info("peer {} left room {} on node {}", id, left, node);
      });
  }

  /** Frame out: what arrives at {@code peer.<id>.<epoch>}, from routers, presence, or a session of this peer. */
  void onPeerMessage(Message<String> msg) {
    String op = msg.headers().get(Addresses.HEADER_OP);
    if (Addresses.OP_REPLACE.equals(op) || Addresses.OP_HANDOVER.equals(op)) {
      Handover.answer(this, msg, op); // another connection of this peer replaces or takes over this session
      return;
    }
    String via = msg.headers().get(Addresses.HEADER_VIA);
    if ((handover != null || via != null || Addresses.OP_FENCE.equals(op)) && handover().screen(msg, op, via)) {
      return; // forwarded to the session that took this one over, a fence, or held behind a fence
    }
    accept(msg, op);
  }

  /** A frame past the handover's screen: kept while suspended, written in the room, or held while joining it. */
  void accept(Message<String> msg, String op) {
    if (keeping()) {
      if (op == null && msg.body() != null && !replay.keep(msg.body())) {
        LOG.info("peer {}: more kept for its resume than the hold bounds allow; leaving", id);
        leaveSuspended();
      }
      return;
    }
    if (!isOpen() && (join == null || op != null)) {
      return; // (a join in flight when the link dropped may still end suspended: its frames wait in the join)
    }
    if (Addresses.OP_PING.equals(op)) {
      conn.heartbeat(replay.seq());
      return;
    }
    String frameRoom = msg.headers().get(Addresses.HEADER_ROOM);
    if (frameRoom != null && frameRoom.equals(room)) {
      write(msg);
    } else if (frameRoom != null && join != null && frameRoom.equals(join.room)) {
      join.hold(msg);
    }
    // else: the frame belongs to a room this peer is no longer in; dropped
  }

  /** Writes a frame of this peer's room, noting the room state it announces, if any. */
  void write(Message<String> msg) {
    String sentAt = msg.headers().get(Addresses.HEADER_SENT_AT);
    if (sentAt != null) {
      metrics.latencyFrom(Long.parseLong(sentAt));
    }
    String roomState = msg.headers().get(Addresses.HEADER_ROOM_STATE);
    if (roomState != null) {
      int colon = roomState.lastIndexOf(':');
      String gen = roomState.substring(0, colon);
      long version = Long.parseLong(roomState.substring(colon + 1));
      if (!gen.equals(roomGen) || version > roomVersion) {
        roomGen = gen;
        roomVersion = version;
      }
    }
    deliver(msg.body());
  }

  /**
   * Writes one canonical frame in this peer's dialect; where the dialect numbers frames (and resume is on),
   * with the next {@code seq}, kept in the {@link ReplayLog} until a pong acknowledges it.
   */
  void deliver(String canonical) {
    Dialect dialect = conn.dialect();
    String rendered;
    try {
      rendered = dialect.render(canonical, id);
    } catch (RuntimeException unrenderable) {
      LOG.warn("peer {}: a frame could not be rendered for its dialect and was dropped: {}", id, unrenderable.toString());
      return;
    }
    if (rendered != null && options.getResumeGraceMs() > 0 && dialect.numbersFrames()) {
      long seq = replay.remember(canonical);
      conn.write(dialect.withSeq(rendered, seq));
      if (conn.isOpen() && replay.needsAckPing()) {
        conn.ping(seq); // its pong lets the frames up to seq go
      }
      return;
    }
    conn.write(rendered);
  }

  /** A pong echoed {@code upTo} ({@code -1}: none of our numbers). */
  void onPong(long upTo) {
    replay.pong(upTo);
  }

  /** The socket closed (state {@code CLOSED} or {@code DROPPED}): suspend, or leave. */
  void onSocketClosed() {
    if (forwarding()) {
      room = null;
      return; // taken over by a new connection of this peer: nothing to clean up here
    }
    if (join != null) {
      return; // the join in flight tears down (or suspends) when it completes
    }
    if (conn.state() == Connection.State.DROPPED && room != null && resumable()) {
      suspend();
    } else {
      teardown();
    }
  }

  /**
   * The link dropped without a clean close: keep the room membership, the id and the address for
   * {@link HubOptions#getResumeGraceMs()}, keeping what arrives, so a reconnect with the resume token (on
   * any node) carries on with nothing lost and no {@code peer-left}; past the grace period, leave as usual.
   */
  void suspend() {
    LOG.info("peer {} lost its link in room {} on node {}; resumable for {} ms", id, room, node, options.getResumeGraceMs());
    suspendFor(options.getResumeGraceMs());
  }

  void suspendFor(long graceMs) {
    to(State.SUSPENDED);
    vertx.eventBus().send(Addresses.PRESENCE_SUSPEND, new JsonObject().put("peer", id).put("node", node).put("epoch", epoch), LOCAL);
    suspendedUntil = System.currentTimeMillis() + graceMs;
    graceTimer = vertx.setTimer(Math.max(1, graceMs), t -> {
      if (state == State.SUSPENDED) {
        teardown();
      }
    });
  }

  /** A suspended (or parked) session leaves its room now (its grace timer is cancelled). */
  void leaveSuspended() {
    vertx.cancelTimer(graceTimer);
    teardown();
  }

  /** Closes the socket, if any is open, with {@code code}, and cleans up at once. */
  void closeWith(short code, String reason, String peerLeftReason) {
    if (conn != null) {
      conn.closeWith(code, reason, peerLeftReason);
    }
  }

  /** The one clean-up path: leave the room, unregister {@code peer.<id>}, release the id. */
  void teardown() {
    if (state == State.LEAVING || state == State.ENDED) {
      return;
    }
    to(State.LEAVING);
    EventBus eb = vertx.eventBus();
    String peerId = id;
    String left = room;
    room = null;
    Future<?> leaving = left == null ? Future.succeededFuture()
      : eb.request(Addresses.ROOM_LEAVE, new JsonObject().put("room", left).put("peer", peerId).put("epoch", epoch)
        .put("reason", leaveReason), request);
    leaving
      .eventually(() -> consumer == null ? Future.succeededFuture() : consumer.unregister())
      .onComplete(ar -> {
        if (peerId != null) {
          eb.send(Addresses.PRESENCE_DISCONNECT, new JsonObject().put("peer", peerId).put("node", node).put("epoch", epoch), LOCAL);
          LOG.info("peer {} disconnected ({}) from room {} on node {}", peerId, leaveReason, left, node);
        }
        end();
      });
  }

  /** Unregisters the address (if any) and ends: a handed-over session once it no longer forwards. */
  void unregisterAndEnd() {
    if (consumer != null) {
      consumer.unregister();
    }
    end();
  }

  /** The session has ended: {@code onEnd} is called once. */
  void end() {
    replay.release();
    if (state != State.ENDED) {
      to(State.ENDED);
    }
    if (ended.tryComplete()) {
      onEnd.accept(this);
    }
  }

  /** Completes when the session has ended. */
  Future<Void> ended() {
    return ended.future();
  }
}
