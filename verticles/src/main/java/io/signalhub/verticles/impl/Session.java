package io.signalhub.verticles.impl;

import io.signalhub.protocol.Dialect;
import io.signalhub.protocol.CloseCodes;
import io.signalhub.protocol.Envelope;
import io.signalhub.protocol.ErrorCode;
import io.signalhub.protocol.Frames;
import io.signalhub.protocol.Inbound;
import io.signalhub.protocol.ProtocolException;
import io.signalhub.protocol.V1Dialect;
import io.signalhub.verticles.Addresses;
import io.signalhub.verticles.HubOptions;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A peer's session on this node: its id, its address {@code peer.<id>.<epoch>}, its room, and its {@link State}.
 * It outlives its socket ({@link Connection}, {@code null} for a session parked by {@link NodeDrain}): a link that
 * drops suspends a protocol-v1 session for {@code resumeGraceMs}. Its own job: frames in ({@link #onInbound}: a
 * signal to {@link Addresses#ROUTE}, a join, a leave) and its state machine. The other jobs, each in its class:
 * {@link JoinFlow} (the way in: claim, room join, welcome), {@link PeerInbox} (frames out), {@link Departure} (the
 * way out: suspend, teardown, end), {@link ReplayLog} (unacked and kept frames), {@link Handover} (resume takeover,
 * fences, forwarding), {@link NodeDrain} (adopt and migrate when a node stops). Where a frame goes, in and out:
 * {@code package-info.java}. docs/protocol.md: "Delivery contract", "Resume". Confined to the socket's context.
 *
 * <p>States and their legal transitions ({@link State#allows}, checked by {@link #to}; anything else throws
 * {@link IllegalStateException}):
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

  enum State {
    IDLE, JOINING, ADOPTING, JOINED, SUSPENDED, HANDED_OVER, LEAVING, ENDED;

    /** Whether the class Javadoc lists {@code this -> next}. */
    boolean allows(State next) {
      return switch (this) {
        case IDLE -> next == JOINING || next == LEAVING;
        case JOINING -> next == JOINED || next == IDLE || next == SUSPENDED || next == LEAVING;
        case ADOPTING -> next == SUSPENDED || next == LEAVING;
        case JOINED -> next == IDLE || next == SUSPENDED || next == HANDED_OVER || next == LEAVING;
        case SUSPENDED -> next == HANDED_OVER || next == LEAVING;
        case HANDED_OVER, LEAVING -> next == ENDED;
        case ENDED -> false;
      };
    }
  }

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
  /** Frames out: what arrives at {@link #address}. */
  final PeerInbox inbox;
  /** Suspension, teardown, end. */
  final Departure departure;
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
  /** What the client was told about the other peers of {@link #room}. */
  final Roster roster = new Roster();
  /** The routers that delivered to this session's address ({@link Handover.Vias}). */
  final Handover.Vias vias = new Handover.Vias();
  /** Frames from peers the client was told had left, waiting to be told they are back; {@code null} until one came. */
  HeldFromDeparted departedHold;
  /** The join in flight, or {@code null}. */
  JoinFlow join;
  /** Resume takeover, fences and forwarding; {@code null} until needed. */
  private Handover handover;
  /** The {@code peer-left} reason should this session leave its room. */
  String leaveReason = "disconnected";

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
    this.metrics = HubMetrics.of(vertx);
    this.context = vertx.getOrCreateContext();
    this.request = new DeliveryOptions().setLocalOnly(true).setSendTimeout(options.getRequestTimeoutMs());
    this.replay = new ReplayLog(options.getHoldMaxMessages(), options.getHoldMaxBytes());
    this.inbox = new PeerInbox(this);
    this.departure = new Departure(this, onEnd);
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
    return departure.ended();
  }

  State state() {
    return state;
  }

  /** Moves to {@code next}, or throws {@link IllegalStateException} for a transition the class Javadoc does not list. */
  void to(State next) {
    if (!state.allows(next)) {
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
      route(signal);
    } else if (inbound instanceof Inbound.InRoom in) {
      enter(in);
    } else if (inbound instanceof Inbound.Join j) {
      join(j.room(), j.id());
    } else if (inbound instanceof Inbound.Hello hello) {
      // SimplePeer names no room: the URL's roomId, else the token's room claim, else defaultRoom
      Handshake h = conn.handshake();
      join(h.urlRoom() != null ? h.urlRoom() : h.authRoom() != null ? h.authRoom() : options.getDefaultRoom(), hello.id());
    } else {
      leave();
    }
  }

  /** Sends {@code signal} to the router, in this session's room ({@code not-joined} in none). */
  void route(Inbound.Signal signal) {
    if (room == null) {
      throw new ProtocolException(ErrorCode.NOT_JOINED, "join a room before sending '" + signal.type() + "'");
    }
    vertx.eventBus().send(Addresses.ROUTE, new Envelope(signal.type(), room, id, address, signal.to(), signal.members(),
      roomGen, roomVersion, HubMetrics.nowMicros()), EnvelopeCodec.DELIVERY);
  }

  /**
   * A frame naming its room (a Private Meet frame, seed 001: {@link Inbound.InRoom}): {@code JOINED} in that room,
   * its signal is routed (a {@code room.join} does nothing); {@code IDLE}, the room is joined first and the signal
   * routed once joined ({@link JoinFlow#start}); in any other case the join's refusal is thrown ({@code forbidden}
   * for a room the token does not allow, {@code already-joined} for another room) and the signal is not routed.
   */
  private void enter(Inbound.InRoom in) {
    if (state == State.JOINED && in.room().equals(room)) {
      if (in.signal() != null) {
        route(in.signal());
      }
    } else {
      JoinFlow.start(this, in.room(), null, in.signal());
    }
  }

  /**
   * The operator removed this peer (admin API, {@link Addresses#OP_REMOVE}): close with 4100 and leave the room,
   * which hears {@code peer-left} with reason {@code removed}; a suspended session just leaves.
   */
  void remove() {
    Session.LOG.atInfo().addKeyValue("event", "removed").addKeyValue("peer", id).addKeyValue("room", room)
      .log("peer {} removed from room {} by the operator", id, room);
    if (isOpen()) {
      closeWith(CloseCodes.REMOVED, "removed by the operator", "removed");
    } else if (keeping()) {
      leaveReason = "removed";
      departure.leaveSuspended();
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
    forgetRoster();
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

  /**
   * The last sequence number taken from each router ({@link Addresses#HEADER_ROUTE_SEQ}), by router id, then by
   * sender; {@code null} until one. (Nested, not keyed by a joined string: no key built per frame.)
   */
  private Map<String, Map<String, long[]>> routeSeqs;

  /**
   * Whether {@code msg}, a router's frame, is not above the last one taken from that router for its sender: a stale copy (see
   * {@link Addresses#HEADER_ROUTE_SEQ}), dropped. Notes its number otherwise.
   */
  boolean staleRoute(Message<String> msg) {
    String seq = msg.headers().get(Addresses.HEADER_ROUTE_SEQ);
    if (seq == null) {
      return false;
    }
    String from = msg.body() == null ? null : Frames.routedFrom(msg.body());
    if (from == null) {
      return false;
    }
    // per router and sender: frames of one sender held back here (HeldFromDeparted) come after other senders' newer ones
    String via = msg.headers().get(Addresses.HEADER_VIA);
    long n = Long.parseLong(seq);
    if (routeSeqs == null) {
      routeSeqs = new HashMap<>(4);
    }
    Map<String, long[]> bySender = routeSeqs.computeIfAbsent(via, v -> new HashMap<>(4));
    long[] last = bySender.get(from);
    if (last == null) {
      bySender.put(from, new long[] {n});
      return false;
    }
    if (n <= last[0]) {
      LOG.info("peer {}: dropped a stale frame of {} through {} ({} after {})", id, from, via, n, last[0]);
      return true;
    }
    last[0] = n;
    return false;
  }

  /** The session is no longer in its room: what its client was told is forgotten, frames waiting in it dropped. */
  void forgetRoster() {
    roster.clear();
    if (departedHold != null) {
      departedHold.dropAll();
    }
  }

  /** Closes the socket, if any is open, with {@code code}, and cleans up at once. */
  void closeWith(short code, String reason, String peerLeftReason) {
    if (conn != null) {
      conn.closeWith(code, reason, peerLeftReason);
    }
  }
}
