package io.signalhub.verticles.impl;

import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.signalhub.protocol.CloseCodes;
import io.signalhub.protocol.Dialect;
import io.signalhub.protocol.Dialects;
import io.signalhub.protocol.Inbound;
import io.signalhub.protocol.MdnDialect;
import io.signalhub.protocol.PrivateMeetDialect;
import io.signalhub.protocol.V1Dialect;
import io.signalhub.protocol.Envelope;
import io.signalhub.protocol.ErrorCode;
import io.signalhub.protocol.Frames;
import io.signalhub.protocol.Ids;
import io.signalhub.protocol.MessageType;
import io.signalhub.protocol.ProtocolException;
import io.signalhub.verticles.Addresses;
import io.signalhub.verticles.HubOptions;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One peer connection of ws-ingress, or a parked session without a socket ({@link #parked}). Confined to the
 * socket's context: every field is read and written on it only.
 *
 * <p>Life of a session: claim the peer id (presence), register {@code peer.<id>.<epoch>}, join the room
 * (room-registry), then relay frames both ways until the socket closes. A link that drops without a closing
 * handshake (or goes idle) suspends a protocol-v1 session for {@code resumeGraceMs}: it stays in its room and
 * keeps what arrives, so a new connection presenting the resume token takes it over ({@link Addresses#OP_HANDOVER})
 * with the frames the client missed (numbered by {@code seq}), while routers' fences ({@link Addresses#OP_FENCE})
 * keep each sender's order. docs/protocol.md, "Resume", has the client's side of it.
 */
public final class Session {

  private static final Logger LOG = LoggerFactory.getLogger(Session.class);
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);
  /** How long a taken-over connection forwards what still arrives at its address, in ms. */
  static final long FORWARD_MS = 10_000;
  /** How long a stopping node's connection forwards to the node that adopted it, in ms: time for the routers' fences. */
  static final long DRAIN_MS = 500;
  /** How often a resume asks again for the handover of a session that is still being set up, every 50 ms. */
  static final int HANDOVER_ATTEMPTS = 20;
  /**
   * Frames, or bytes, kept unacknowledged before a ping asks the client to acknowledge them: they bound the
   * pooled memory a busy connection holds for a resume; more pings per frame would cost writes.
   */
  static final int ACK_EVERY_FRAMES = 16;
  static final int ACK_EVERY_BYTES = 32 * 1024;
  /** A join given up before its request to the room-registry was sent (the socket closed first): nothing to undo. */
  private static final Exception CLOSED_BEFORE_JOIN = new CancellationException("closed before joining");
  /** Shortest resume token offered by a client that is kept as the token of the new connection. */
  static final int MIN_TOKEN_CHARS = 16;
  /** Longest wait of a resumed connection for a router's {@link Addresses#OP_FENCE}, in ms (its old node may be gone). */
  static final long FENCE_WAIT_MS = 1_000;
  /**
   * Most frames held for a joining peer until its {@code welcome} is written (or {@code holdMaxMessages}, if
   * more: a resume may bring a hold's worth); more are dropped.
   */
  static final int MAX_EARLY_FRAMES = 256;

  private final Vertx vertx;
  /** The peer's socket; {@code null} for a {@link #parked} session. */
  private final ServerWebSocket ws;
  private final HubOptions options;
  private final String node;
  private final Consumer<Session> onEnd;
  private final Context context;
  private final DeliveryOptions request;
  private final Promise<Void> ended = Promise.promise();

  /** The claimed peer id, or {@code null} before the first join. */
  private String id;
  /** This connection's epoch and its address {@code peer.<id>.<epoch>}, set with {@link #id}. */
  private String epoch;
  private String address;
  private MessageConsumer<String> consumer;
  /** The room the peer is in, or {@code null}. */
  private String room;
  /** Generation and version of the newest state of {@link #room} this peer was told of. */
  private String roomGen;
  private long roomVersion;
  /** The room being joined, or {@code null}. */
  private String joining;
  /** Frames for {@link #joining} that arrived before {@code welcome} was written. */
  private final List<Message<String>> early = new ArrayList<>();
  /** The peer id fixed by the URL ({@code ClientId}) or the token ({@code sub}), or {@code null}. */
  private String urlId;
  private String urlRoom;
  /** The connection's dialect, or {@code null} until told by the URL or the first frame. */
  private Dialect dialect;
  private long dialectTimer = -1;
  /** Whether the first frame must be an {@code auth} frame (no anonymous mode, no token in the URL). */
  private boolean awaitingAuth;
  /** The token that resumes this connection's session, told in {@code welcome}; its hash is in the directory. */
  private String resumeToken;
  /** SHA-256 of {@link #resumeToken} (hex), as stored in the peer directory. */
  private String tokenHash;
  /** A parked session (no socket) adopting a peer of a stopping node: the token hash it takes the claim with. */
  private String adoptHash;
  /** When the grace period of a suspended session ends, {@link System#currentTimeMillis()}. */
  private long suspendedUntil;
  /** The resume token the client offered ({@code ?resume=} or {@code join}'s {@code data.resume}). */
  private String offeredResume;
  /** The {@code seq} of the last frame the client got before it resumed ({@code -1}: not told). */
  private long offeredReceived = -1;
  /** The number of the last frame written to the client (dialects that number frames), counted across resumes. */
  private long seq;
  /**
   * Canonical frames written to the client and not yet known to have reached it, oldest first (frames
   * {@code seq - unacked.size() + 1 .. seq}): a pong answers a ping written after them, so it acknowledges
   * them (TCP keeps order); what is still here when the link drops is replayed to a resume. Bounded like a hold.
   */
  private final UnackedFrames unacked = new UnackedFrames();
  /** Whether a ping asking to acknowledge {@link #unacked} is out, its pong not back yet. */
  private boolean ackPingOut;
  /** The session this connection took over, or {@code null}. */
  private String resumedFrom;
  /** Frames the previous connection handed over, to write right after {@code welcome}. */
  private final List<String> handedFrames = new ArrayList<>();
  /** Suspended: the link dropped; frames are kept for a resume until {@code resumeGraceMs}. */
  private boolean suspended;
  private final List<String> kept = new ArrayList<>();
  private long keptChars;
  private long graceTimer = -1;
  /** Handed over to a new connection of the same peer (its session, {@link Member}): what still arrives goes there. */
  private String forwardTo;
  /** Routers that delivered to this address (null until one did), told to a connection that takes it over. */
  private java.util.Set<String> vias;
  /** Resumed: senders (routers, presence) whose fence has not arrived yet; direct frames are held meanwhile, in order. */
  private java.util.Set<String> awaitingFence;
  /** Routers whose fence has arrived. */
  private final java.util.Set<String> fencedVias = new java.util.HashSet<>(2);
  /** Whether the hub closed the socket itself ({@link #closeWith}), rather than the client or the network. */
  private boolean closedByHub;
  /** Whether the link dropped (no closing handshake, or idle): the session may be resumed. */
  private boolean linkDropped;
  private final List<Message<String>> fenced = new ArrayList<>();
  private long fenceTimer = -1;
  /** Whether a token was verified for this connection. */
  private boolean authenticated;
  /** Whether this connection counts in the {@code signalhub_peers} gauge. */
  private boolean countedPeer;
  private long joinTimer = -1;
  /** The only room the connection's token lets it join, or {@code null} for any. */
  private String authRoom;
  /** A frame to handle once the join it caused has completed (an MDN client's first frame). */
  private String afterJoin;
  private boolean closed;
  private boolean tornDown;
  private String leaveReason = "disconnected";
  private long lastSeen = System.currentTimeMillis();
  private boolean joinedOnce;
  private double tokens;
  private long refilledAt = System.nanoTime();
  private int dropped;

  private final TokenAuth auth;
  private final HubMetrics metrics;
  private final Runnable onSocketClosed;
  /** Bounds the joins in flight on this session's ws-ingress, or {@code null} (a parked session). */
  private final JoinGate joinGate;

  /**
   * @param auth verifies Private Meet tokens, or {@code null} when no {@code jwtSecret} is configured
   * @param joinGate bounds the joins in flight of the ws-ingress serving this session, or {@code null}
   * @param onSocketClosed called once when the socket is closed
   * @param onEnd called once when the session has ended (after a suspension, when it expired or was resumed)
   */
  public Session(Vertx vertx, ServerWebSocket ws, HubOptions options, String node, TokenAuth auth, JoinGate joinGate,
                 Runnable onSocketClosed, Consumer<Session> onEnd) {
    this.joinGate = joinGate;
    this.onSocketClosed = onSocketClosed;
    this.auth = auth;
    this.metrics = HubMetrics.of(vertx);
    this.vertx = vertx;
    this.ws = ws;
    this.options = options;
    this.node = node;
    this.onEnd = onEnd;
    this.context = vertx.getOrCreateContext();
    this.request = new DeliveryOptions().setLocalOnly(true).setSendTimeout(options.getRequestTimeoutMs());
    this.tokens = options.getRateLimitBurst();
  }

  /** Installs the socket handlers and joins the room named in the URL, if any. */
  public void start() {
    metrics.connectionOpened();
    ws.setWriteQueueMaxSize(options.getMaxQueuedBytes());
    joinTimer = vertx.setTimer(options.getJoinTimeoutMs(), t -> {
      if (!closed && !joinedOnce && joining == null) {
        sendError(new ProtocolException(ErrorCode.JOIN_TIMEOUT,
          "no room joined within " + options.getJoinTimeoutMs() + " ms of connecting"), null);
        closeWith(CloseCodes.POLICY_VIOLATION, "join timeout", "refused");
      }
    });
    ws.textMessageHandler(this::onText);
    ws.binaryMessageHandler(b -> sendError(new ProtocolException(ErrorCode.UNSUPPORTED_FRAME,
      "binary frames are not supported, send JSON text frames"), null));
    ws.pongHandler(payload -> {
      lastSeen = System.currentTimeMillis();
      ackPingOut = false;
      acknowledge(parseReceived(payload.toString())); // the seq written in our ping (RFC 6455: echoed), if any
    });
    ws.exceptionHandler(this::onSocketError);
    ws.closeHandler(v -> onClosed());

    // default deny: outside anonymous mode nothing is served before a token is verified
    awaitingAuth = !options.isAnonymous();
    Map<String, List<String>> query;
    try {
      query = new QueryStringDecoder(ws.uri()).parameters();
    } catch (IllegalArgumentException malformed) {
      sendError(new ProtocolException(ErrorCode.INVALID_FIELD, "the URL's query string is malformed"), null);
      closeWith(CloseCodes.POLICY_VIOLATION, "malformed query", "refused");
      return;
    }
    urlId = first(query, "ClientId", "clientId");
    offeredResume = first(query, "resume", null);
    offeredReceived = parseReceived(first(query, "received", null));
    urlRoom = first(query, "roomId", null);
    String protocol = first(query, "protocol", null);
    String token = first(query, "token", null);
    try {
      if (protocol != null) {
        dialect = Dialects.named(protocol);
      } else if (token != null && urlId == null && urlRoom == null) {
        dialect = PrivateMeetDialect.INSTANCE; // GET /ws?token=<jwt>, exactly as seed 001
      } else if (urlId != null) {
        dialect = V1Dialect.INSTANCE;
      }
    } catch (ProtocolException e) {
      sendError(e, null);
    }
    if (urlId != null && !Ids.isValid(urlId)) {
      sendError(invalidId(urlId, "ClientId"), MessageType.JOIN);
      urlId = null;
      urlRoom = null; // not joined: the client may send a join frame (after its token, if one is needed)
    }
    if (token != null) {
      authenticate(token);
    } else if (dialect == PrivateMeetDialect.INSTANCE) {
      refuse("Private Meet connections need ?token=<jwt>");
    } else if (!options.isAnonymous() && urlRoom != null) {
      refuse("this hub needs a token: add ?token=<jwt> to a URL that joins a room");
    } else if (options.isAnonymous()) {
      begin();
    }
    // else awaitingAuth: the first frame must be {"type":"auth","token":...}
  }

  /** Joins the room of the URL, or waits for the frame that tells the dialect: once authenticated, if needed. */
  private void begin() {
    if (urlRoom != null && (dialect == MdnDialect.INSTANCE || dialect == V1Dialect.INSTANCE
      || dialect == PrivateMeetDialect.INSTANCE)) {
      joinFromUrl();
    } else if (dialect == null && urlRoom != null) {
      // an MDN answerer never speaks first: without a frame soon, ?roomId= alone is MDN
      dialectTimer = vertx.setTimer(options.getDialectWaitMs(), t -> {
        if (dialect == null && !closed) {
          dialect = MdnDialect.INSTANCE;
          joinFromUrl();
        }
      });
    }
  }

  private void joinFromUrl() {
    try {
      if (urlRoom == null) {
        throw new ProtocolException(ErrorCode.MISSING_FIELD, "missing query parameter 'roomId'");
      }
      join(urlRoom, null);
    } catch (ProtocolException e) {
      sendError(e, MessageType.JOIN);
    }
  }

  /**
   * Verifies the connection's JWT: its {@code sub} becomes the peer id (a {@code ClientId} in the URL must
   * be the same) and its optional {@code room} claim the only room it may join; a bad token is refused
   * with {@code unauthorized} and close 1008.
   */
  private void authenticate(String token) {
    ws.pause();
    Future<TokenAuth.Claims> claims = auth == null
      ? Future.failedFuture(new ProtocolException(ErrorCode.UNAUTHORIZED, "this hub accepts no tokens (no jwtSecret or jwtPublicKey configured)"))
      : auth.verify(token);
    claims.onComplete(ar -> {
      if (closed) {
        return;
      }
      if (ar.failed()) {
        refuse(Replies.toProtocol(ar.cause()).getMessage());
        return;
      }
      if (urlId != null && !urlId.equals(ar.result().subject())) {
        refuse("ClientId differs from the token's subject");
        return;
      }
      urlId = ar.result().subject();
      authRoom = ar.result().room();
      awaitingAuth = false;
      authenticated = true;
      ws.resume();
      begin();
    });
  }

  private void refuse(String why) {
    sendError(new ProtocolException(ErrorCode.UNAUTHORIZED, why), null);
    closeWith(CloseCodes.POLICY_VIOLATION, "unauthorized", "refused");
  }

  /** Without anonymous mode, a connection with no token in its URL must first send {@code {"type":"auth","token"}}. */
  private void authenticateFirstFrame(String text) {
    Object token = null;
    try {
      JsonObject frame = new JsonObject(text);
      if ("auth".equals(frame.getValue("type"))) {
        token = frame.getValue("token");
      }
    } catch (RuntimeException malformed) {
      // refused below
    }
    if (token instanceof String t) {
      authenticate(t);
    } else {
      refuse("this hub needs a token: ?token=<jwt> in the URL or a first frame {\"type\":\"auth\",\"token\":\"<jwt>\"}");
    }
  }

  private static String first(Map<String, List<String>> query, String name, String alt) {
    List<String> values = query.get(name);
    if ((values == null || values.isEmpty()) && alt != null) {
      values = query.get(alt);
    }
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  private static ProtocolException invalidId(String value, String what) {
    try {
      Ids.require(value, what);
      throw new IllegalStateException();
    } catch (ProtocolException e) {
      return e;
    }
  }

  private void onText(String text) {
    lastSeen = System.currentTimeMillis();
    if (closed || !withinRateLimit()) {
      return;
    }
    if (awaitingAuth) {
      authenticateFirstFrame(text);
      return;
    }
    try {
      if (dialect == null && !detect(text)) {
        return;
      }
      handle(text);
    } catch (RuntimeException bug) {
      LOG.error("closing peer {} after an unexpected failure: {}", id, bug.toString(), bug);
      closeWith(CloseCodes.INTERNAL_ERROR, "internal error", "disconnected");
    }
  }

  /** Tells the dialect from the first frame; {@code false} when the frame is not to be handled now. */
  private boolean detect(String text) {
    Dialect detected;
    try {
      detected = Dialects.detect(text);
    } catch (ProtocolException e) {
      sendError(e, null);
      return false;
    }
    vertx.cancelTimer(dialectTimer);
    dialect = detected;
    if (detected == PrivateMeetDialect.INSTANCE && !authenticated) {
      refuse("Private Meet frames need a token: ?token=<jwt> in the URL");
      return false;
    }
    if (detected == MdnDialect.INSTANCE) {
      afterJoin = text; // handled once the room named in the URL is joined
      joinFromUrl();
      return false;
    }
    return true;
  }

  private void handle(String text) {
    Inbound inbound;
    try {
      inbound = dialect.decode(text);
    } catch (ProtocolException e) {
      sendError(e, null);
      return;
    }
    try {
      if (inbound instanceof Inbound.Signal signal) {
        signal(signal);
      } else if (inbound instanceof Inbound.Join join) {
        if (join.resume() != null) {
          offeredResume = join.resume();
          offeredReceived = join.received();
        }
        join(join.room(), join.id());
      } else if (inbound instanceof Inbound.Hello hello) {
        join(urlRoom != null ? urlRoom : options.getDefaultRoom(), hello.id());
      } else {
        leave();
      }
    } catch (ProtocolException e) {
      sendError(e, inbound instanceof Inbound.Signal s ? s.type() : null);
    }
  }

  private void signal(Inbound.Signal signal) {
    if (room == null) {
      throw new ProtocolException(ErrorCode.NOT_JOINED, "join a room before sending '" + signal.type() + "'");
    }
    vertx.eventBus().send(Addresses.ROUTE, new Envelope(signal.type(), room, id, address, signal.to(), signal.members(),
      roomGen, roomVersion, HubMetrics.nowMicros()), EnvelopeCodec.DELIVERY);
  }

  private void join(String roomName, String requestedId) {
    if (room != null || joining != null) {
      throw new ProtocolException(ErrorCode.ALREADY_JOINED, "already in room '" + (room != null ? room : joining)
        + "', send 'leave' first");
    }
    Ids.require(roomName, "room");
    if (authRoom != null && !authRoom.equals(roomName)) {
      throw new ProtocolException(ErrorCode.FORBIDDEN, "the token allows room '" + authRoom + "' only");
    }
    String peerId;
    if (id != null || urlId != null) {
      peerId = id != null ? id : urlId;
      if (requestedId != null && !requestedId.equals(peerId)) {
        throw new ProtocolException(ErrorCode.INVALID_FIELD,
          "field 'data.id' differs from this connection's peer id '" + peerId + "'");
      }
    } else {
      peerId = requestedId != null ? Ids.require(requestedId, "peer id") : Ids.random();
    }
    joining = roomName;
    ws.pause();
    Future<Void> admitted = joinGate == null ? Future.succeededFuture() : joinGate.enter((ContextInternal) context);
    admitted
      .compose(v -> unlessClosed(() -> id != null ? Future.succeededFuture() : claim(peerId, roomName)))
      .compose(v -> unlessClosed(() -> vertx.eventBus().<JsonObject>request(Addresses.ROOM_JOIN, new JsonObject()
        .put("room", roomName).put("peer", peerId).put("node", node).put("epoch", epoch).put("resumeFrom", resumedFrom),
        request)))
      .onComplete(ar -> {
        if (joinGate != null) {
          joinGate.leave();
        }
        joining = null;
        if (ar.succeeded()) {
          room = roomName;
        }
        boolean resumed = ar.succeeded() && ar.result().body().getBoolean("resumed", false);
        if (!resumed) {
          handedFrames.clear();
        }
        startFenceWait();
        if (closed && ar.succeeded() && linkDropped && resumable()) {
          // the link dropped again while resuming: keep the session (and what was handed over) for a next resume
          handedFrames.forEach(this::remember);
          early.forEach(m -> remember(m.body()));
          handedFrames.clear();
          early.clear();
          suspend();
          return;
        }
        if (closed) {
          early.clear();
          if (ar.failed() && id != null && !Replies.isRefusal(ar.cause()) && ar.cause() != CLOSED_BEFORE_JOIN) {
            room = roomName; // the join may have been applied: teardown leaves it
          }
          teardown();
          return;
        }
        ws.resume();
        if (ar.failed()) {
          early.clear();
          afterJoin = null;
          if (id != null && !Replies.isRefusal(ar.cause())) {
            // the request timed out: the registry may have added the peer all the same
            vertx.eventBus().request(Addresses.ROOM_LEAVE, new JsonObject().put("room", roomName).put("peer", id)
              .put("epoch", epoch).put("reason", "disconnected"), request);
          }
          sendError(Replies.toProtocol(ar.cause()), MessageType.JOIN);
          return;
        }
        RoomState state = RoomState.fromJson(ar.result().body());
        roomGen = state.gen();
        roomVersion = state.version();
        joinedOnce = true;
        countedPeer = true;
        metrics.peerJoined();
        if (resumed) {
          metrics.resumed();
        }
        JsonObject extra = new JsonObject().put("resumed", resumed);
        JsonArray iceServers = TurnCredentials.iceServers(options, peerId, System.currentTimeMillis() / 1000);
        if (!iceServers.isEmpty()) {
          extra.put("iceServers", iceServers);
        }
        if (options.getResumeGraceMs() > 0) {
          extra.put("resumeToken", resumeToken);
          if (dialect.numbersFrames()) {
            extra.put("seq", seq); // the frames that follow are numbered from seq + 1
          }
        }
        writeIfAny(dialect.welcome(roomName, peerId, state.othersThan(peerId), extra));
        for (String frame : handedFrames) {
          deliver(frame); // kept or unacknowledged by the previous connection, oldest first
        }
        handedFrames.clear();
        for (Message<String> frame : early) {
          write(frame);
        }
        early.clear();
        if (afterJoin != null) {
          String first = afterJoin;
          afterJoin = null;
          handle(first);
        }
        LOG.info("peer {} {} room {} on node {}", peerId, resumed ? "resumed its session in" : "joined", roomName, node);
      });
  }

  /**
   * The next step of a join, unless the socket closed meanwhile (while the join waited its turn, or during its
   * previous step): then {@link #CLOSED_BEFORE_JOIN}. A resume goes on, so that the session stays resumable.
   */
  private <T> Future<T> unlessClosed(Supplier<Future<T>> step) {
    return closed && resumedFrom == null ? Future.failedFuture(CLOSED_BEFORE_JOIN) : step.get();
  }

  /**
   * Claims the id with presence, then registers the local consumer {@code peer.<id>.<epoch>}; then, for a
   * resume, takes the previous connection's session over, or, for a reconnect that replaced a suspended
   * connection, waits until that one has left its room.
   */
  private Future<Void> claim(String peerId, String roomName) {
    EventBus eb = vertx.eventBus();
    String claimEpoch = Ids.random();
    // the resume token stays the same across resumes, so a client that never got a welcome can come back with it;
    // a parked session keeps the stopping node's one; a fresh connection draws one
    String token = adoptHash != null ? null
      : offeredResume != null && offeredResume.length() >= MIN_TOKEN_CHARS ? offeredResume : Ids.random() + Ids.random();
    String hash = adoptHash != null ? adoptHash : sha256(token);
    JsonObject claim = new JsonObject().put("peer", peerId).put("node", node).put("epoch", claimEpoch)
      .put("tokenHash", hash).put("adopt", adoptHash != null);
    if (adoptHash != null || offeredResume != null) {
      claim.put("resumeHash", adoptHash != null ? adoptHash : sha256(offeredResume));
    }
    return eb.<JsonObject>request(Addresses.PRESENCE_CONNECT, claim, request)
      .onFailure(t -> {
        if (!Replies.isRefusal(t)) {
          // timed out: the claim may be stored all the same, release it (only this connection's claim)
          eb.send(Addresses.PRESENCE_DISCONNECT, claim, LOCAL);
        }
      })
      .compose(reply -> {
        id = peerId;
        epoch = claimEpoch;
        resumeToken = token;
        tokenHash = hash;
        address = Addresses.peer(peerId, claimEpoch);
        resumedFrom = reply.body() == null ? null : reply.body().getString("resumedFrom");
        String replaced = reply.body() == null ? null : reply.body().getString("replaced");
        consumer = eb.localConsumer(address, this::onPeerMessage); // other nodes come through the node relay
        return consumer.completion().compose(v -> replaced == null ? Future.succeededFuture() : replace(replaced));
      })
      .compose(v -> resumedFrom == null ? Future.succeededFuture() : takeOver(roomName, 1));
  }

  /**
   * A claim without the resume token replaced a suspended connection of this peer id: it leaves its room first
   * ({@code peer-left}), so this one joins afresh. A connection that no longer answers is left to the
   * reconciler.
   */
  private Future<Void> replace(String previous) {
    return Member.request(vertx, node, id, previous, null,
        new DeliveryOptions().setSendTimeout(options.getRequestTimeoutMs()).addHeader(Addresses.HEADER_OP, Addresses.OP_REPLACE))
      .<Void>mapEmpty()
      .otherwiseEmpty();
  }

  /**
   * Resume: asks the previous connection of this peer (suspended since its link dropped, or still open) for the
   * frames the client did not get; from then on it forwards to this connection's address. One still being set up
   * is asked again (up to {@link #HANDOVER_ATTEMPTS} times); one in another room leaves it instead, and one that
   * does not answer (its node is gone) hands over nothing: in both cases this connection joins afresh.
   */
  private Future<Void> takeOver(String roomName, int attempt) {
    JsonObject handover = new JsonObject().put("to", Member.of(node, epoch)).put("room", roomName)
      .put("received", adoptHash != null ? 0 : offeredReceived) // a parked session takes every unacknowledged frame
      .put("adopt", adoptHash != null);
    return Member.<JsonObject>request(vertx, node, id, resumedFrom, handover,
        new DeliveryOptions().setSendTimeout(options.getRequestTimeoutMs()).addHeader(Addresses.HEADER_OP, Addresses.OP_HANDOVER))
      .<Void>map(reply -> {
        if (reply.body().getBoolean("replaced", false)) {
          resumedFrom = null;
          return null;
        }
        seq = reply.body().getLong("seq", 0L);
        JsonArray routers = reply.body().getJsonArray("vias", new JsonArray());
        if (!routers.isEmpty()) {
          awaitingFence = new java.util.HashSet<>();
          routers.forEach(r -> awaitingFence.add((String) r));
        }
        JsonArray frames = reply.body().getJsonArray("frames", new JsonArray());
        for (int i = 0; i < frames.size(); i++) {
          if (adoptHash != null) {
            remember(frames.getString(i)); // parked: numbered as they would have been, replayed to the resume
          } else {
            handedFrames.add(frames.getString(i));
          }
        }
        return null;
      })
      .recover(t -> {
        if (Replies.isRefusal(t) && attempt < HANDOVER_ATTEMPTS) {
          Promise<Void> again = Promise.promise();
          vertx.setTimer(50, timer -> takeOver(roomName, attempt + 1).onComplete(again));
          return again.future();
        }
        LOG.info("peer {}: its previous connection did not hand over ({}); joining afresh", id, t.getMessage());
        resumedFrom = null;
        return Future.succeededFuture();
      });
  }

  /** Starts the wait for the routers' fences, once the resumed seat is ours (their fences follow that). */
  private void startFenceWait() {
    if (awaitingFence == null || fenceTimer >= 0) {
      return;
    }
    if (resumedFrom == null) {
      releaseFenced();
      return;
    }
    fenceTimer = vertx.setTimer(FENCE_WAIT_MS, t -> {
      if (awaitingFence != null) {
        LOG.debug("peer {}: no fence from {} within {} ms", id, awaitingFence, FENCE_WAIT_MS);
        releaseFenced();
      }
    });
  }

  private static String sha256(String token) {
    try {
      byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(token.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(digest);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  private void leave() {
    if (room == null) {
      throw new ProtocolException(ErrorCode.NOT_JOINED, joining != null ? "still joining" : "not in a room");
    }
    String left = room;
    room = null;
    uncountPeer();
    vertx.eventBus().request(Addresses.ROOM_LEAVE,
        new JsonObject().put("room", left).put("peer", id).put("reason", "left"), request)
      .onComplete(ar -> {
        if (!closed) {
          writeIfAny(dialect.left(left));
        }
        LOG.info("peer {} left room {} on node {}", id, left, node);
      });
  }

  /**
   * Token bucket of {@link HubOptions#getRateLimitPerSecond()} refilled per second, holding at most
   * {@link HubOptions#getRateLimitBurst()}: a frame over it is dropped with {@code rate-limited} (said once
   * per run of drops); a run of as many drops as the burst closes the connection with 1008.
   */
  private boolean withinRateLimit() {
    long now = System.nanoTime();
    tokens = Math.min(options.getRateLimitBurst(),
      tokens + (now - refilledAt) * options.getRateLimitPerSecond() / 1_000_000_000.0);
    refilledAt = now;
    if (tokens >= 1) {
      tokens -= 1;
      dropped = 0;
      return true;
    }
    if (dropped++ == 0) {
      sendError(new ProtocolException(ErrorCode.RATE_LIMITED, "more than " + options.getRateLimitPerSecond()
        + " messages per second (burst " + options.getRateLimitBurst() + "); frames are dropped"), null);
    } else if (dropped >= options.getRateLimitBurst()) {
      closeWith(CloseCodes.POLICY_VIOLATION, "rate limit", "refused");
    }
    return false;
  }

  private void onPeerMessage(Message<String> msg) {
    String op = msg.headers().get(Addresses.HEADER_OP);
    if (Addresses.OP_REPLACE.equals(op)) {
      if (suspended) {
        leaveSuspended();
        ended.future().onComplete(ar -> msg.reply(null));
      } else {
        msg.fail(Replies.PROTOCOL_FAILURE, ErrorCode.UNAVAILABLE.code());
      }
      return;
    }
    if (Addresses.OP_HANDOVER.equals(op)) {
      if (forwardTo == null && id != null && room != null && joining == null && !tornDown) {
        handOver(msg);
      } else {
        msg.fail(Replies.PROTOCOL_FAILURE, ErrorCode.UNAVAILABLE.code()); // not set up (yet), or gone: ask again
      }
      return;
    }
    if (forwardTo != null) {
      if (op == null || Addresses.OP_FENCE.equals(op)) {
        DeliveryOptions forward = new DeliveryOptions().addHeader(Addresses.HEADER_FORWARDED, "1");
        msg.headers().forEach(h -> forward.addHeader(h.getKey(), h.getValue()));
        Member.send(vertx, node, id, forwardTo, msg.body(), forward);
      }
      return;
    }
    String via = msg.headers().get(Addresses.HEADER_VIA);
    if (Addresses.OP_FENCE.equals(op)) {
      fencedVias.add(via);
      if (awaitingFence != null && awaitingFence.remove(via) && awaitingFence.isEmpty()) {
        releaseFenced();
      }
      return;
    }
    if (op == null) {
      boolean forwarded = msg.headers().get(Addresses.HEADER_FORWARDED) != null;
      if (awaitingFence != null && forwarded && via != null && !fencedVias.contains(via)) {
        awaitingFence.add(via); // a sender that first delivered to the old address after the handover: wait for it too
      }
      if (awaitingFence != null && !forwarded) {
        // what the old address still forwards comes first, whoever sent it (one room's events stay in order too)
        fenced.add(msg);
        return;
      }
      if (via != null) {
        if (vias == null) {
          vias = new java.util.HashSet<>(2);
        }
        vias.add(via);
      }
    }
    accept(msg, op);
  }

  /** The wait for fences is over (all came, or {@link #FENCE_WAIT_MS} passed): lets the held frames through. */
  private void releaseFenced() {
    awaitingFence = null;
    vertx.cancelTimer(fenceTimer);
    List<Message<String>> due = new ArrayList<>(fenced);
    fenced.clear();
    for (Message<String> m : due) {
      onPeerMessage(m);
    }
  }

  private void accept(Message<String> msg, String op) {
    if (suspended) {
      if (op == null && msg.body() != null) {
        keptChars += msg.body().length();
        kept.add(msg.body());
        if (kept.size() > options.getHoldMaxMessages() || keptChars > options.getHoldMaxBytes()) {
          LOG.info("peer {}: more kept for its resume than the hold bounds allow; leaving", id);
          leaveSuspended();
        }
      }
      return;
    }
    if (closed && (joining == null || op != null)) {
      return; // (a join in flight when the link dropped may still end suspended: its frames wait in early)
    }
    if (Addresses.OP_PING.equals(op)) {
      if (System.currentTimeMillis() - lastSeen > options.getIdleTimeoutMs()) {
        closeWith(CloseCodes.IDLE_TIMEOUT, "idle timeout", "idle-timeout");
      } else {
        ws.writePing(Buffer.buffer(Long.toString(seq))); // its pong acknowledges frames up to seq
      }
      return;
    }
    String frameRoom = msg.headers().get(Addresses.HEADER_ROOM);
    if (frameRoom != null && frameRoom.equals(room)) {
      write(msg);
    } else if (frameRoom != null && frameRoom.equals(joining)) {
      if (early.size() < Math.max(MAX_EARLY_FRAMES, options.getHoldMaxMessages())) {
        early.add(msg);
      } else {
        LOG.warn("peer {}: more than {} frames arrived while joining; dropped one", id, MAX_EARLY_FRAMES);
      }
    }
    // else: the frame belongs to a room this peer is no longer in; dropped
  }

  /** Writes a frame of this peer's room, noting the room state it announces, if any. */
  private void write(Message<String> msg) {
    String sentAt = msg.headers().get(Addresses.HEADER_SENT_AT);
    if (sentAt != null) {
      metrics.latencyFrom(Long.parseLong(sentAt));
    }
    String state = msg.headers().get(Addresses.HEADER_ROOM_STATE);
    if (state != null) {
      int colon = state.lastIndexOf(':');
      String gen = state.substring(0, colon);
      long version = Long.parseLong(state.substring(colon + 1));
      if (!gen.equals(roomGen) || version > roomVersion) {
        roomGen = gen;
        roomVersion = version;
      }
    }
    deliver(msg.body());
  }

  /**
   * Writes one canonical frame in this peer's dialect; where the dialect numbers frames (and resume is on),
   * with the next {@code seq}, kept in {@link #unacked} until a pong acknowledges it.
   */
  private void deliver(String canonical) {
    String rendered;
    try {
      rendered = dialect.render(canonical, id);
    } catch (RuntimeException unrenderable) {
      LOG.warn("peer {}: a frame could not be rendered for its dialect and was dropped: {}", id, unrenderable.toString());
      return;
    }
    if (rendered != null && options.getResumeGraceMs() > 0 && dialect.numbersFrames()) {
      remember(canonical);
      writeIfAny(dialect.withSeq(rendered, seq));
      if (!ackPingOut && !closed && (unacked.size() >= ACK_EVERY_FRAMES || unacked.byteSize() >= ACK_EVERY_BYTES)) {
        ackPingOut = true; // its pong lets the frames up to seq go: the kept frames stay few on a busy connection
        ws.writePing(Buffer.buffer(Long.toString(seq)));
      }
      return;
    }
    writeIfAny(rendered);
  }

  /** Numbers {@code canonical} with the next {@link #seq} and keeps it in {@link #unacked}. */
  private void remember(String canonical) {
    seq++;
    unacked.add(canonical);
    while (unacked.size() > options.getHoldMaxMessages() || unacked.byteSize() > options.getHoldMaxBytes()) {
      unacked.removeFirst(); // too old to replay: a resume will see the gap in seq
    }
  }

  /** Forgets the frames numbered up to {@code upTo}: the client has them. */
  private void acknowledge(long upTo) {
    if (upTo > seq) {
      return; // not a seq of ours
    }
    long first = seq - unacked.size() + 1;
    for (long s = first; s <= upTo && unacked.size() > 0; s++) {
      unacked.removeFirst();
    }
  }

  private static long parseReceived(String text) {
    try {
      return text == null ? -1 : Math.max(-1, Long.parseLong(text));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** Writes {@code text} unless {@code null}; a socket whose outbound queue is full is closed with 1013. */
  private void writeIfAny(String text) {
    if (text == null || closed) {
      return;
    }
    if (ws.writeQueueFull()) {
      closeWith(CloseCodes.TRY_AGAIN_LATER, "slow reader", "slow-reader");
      return;
    }
    ws.writeTextMessage(text);
  }

  private void onSocketError(Throwable t) {
    if (t instanceof CorruptedWebSocketFrameException bad && !closed) {
      // e.g. a frame over maxFrameBytes: say why with its close code (1009 for a too big message)
      closeWith((short) bad.closeStatus().code(), bad.closeStatus().reasonText(), "refused");
    } else {
      LOG.debug("peer socket error: {}", t.toString());
    }
  }

  private void sendError(ProtocolException e, String type) {
    metrics.error(e.code().code());
    if (!closed) {
      ws.writeTextMessage(Frames.error(e.code(), e.getMessage(), type));
    }
  }

  private void end() {
    unacked.release();
    if (ended.tryComplete()) {
      onEnd.accept(this);
    }
  }

  private void uncountPeer() {
    if (countedPeer) {
      countedPeer = false;
      metrics.peerLeft();
    }
  }

  private void onClosed() {
    if (closed) {
      return;
    }
    closed = true;
    vertx.cancelTimer(joinTimer);
    vertx.cancelTimer(dialectTimer);
    metrics.connectionClosed();
    onSocketClosed.run();
    linkDropped = "idle-timeout".equals(leaveReason)
      || (!closedByHub && "disconnected".equals(leaveReason) && noClosingHandshake());
    if (forwardTo != null) {
      room = null;
      return; // taken over by a new connection of this peer: nothing to clean up here
    }
    if (joining != null) {
      return; // the join in flight tears down (or suspends) when it completes
    }
    if (linkDropped && room != null && resumable()) {
      suspend();
    } else {
      teardown();
    }
  }

  /**
   * Whether this peer's client can resume: it was told a resume token and frame numbers (protocol v1). The seed
   * dialects' clients cannot, so their peers leave at once as before.
   */
  private boolean resumable() {
    return options.getResumeGraceMs() > 0 && dialect != null && dialect.numbersFrames() && tokenHash != null;
  }

  /** Whether the client's socket ended without a closing handshake (a dropped link, not a goodbye). */
  private boolean noClosingHandshake() {
    try {
      short code = ws.closeStatusCode();
      return code == 1006;
    } catch (NullPointerException noCloseFrame) {
      return true; // Vert.x 5 unboxes a missing close code
    }
  }

  /**
   * The link dropped without a clean close: keep the room membership, the id and the address for
   * {@link HubOptions#getResumeGraceMs()}, keeping what arrives, so a reconnect with the resume token (on
   * any node) carries on with nothing lost and no {@code peer-left}; past the grace period, leave as usual.
   */
  private void suspend() {
    uncountPeer();
    LOG.info("peer {} lost its link in room {} on node {}; resumable for {} ms", id, room, node, options.getResumeGraceMs());
    suspendFor(options.getResumeGraceMs());
  }

  private void suspendFor(long graceMs) {
    suspended = true;
    vertx.eventBus().send(Addresses.PRESENCE_SUSPEND, new JsonObject().put("peer", id).put("node", node).put("epoch", epoch), LOCAL);
    suspendedUntil = System.currentTimeMillis() + graceMs;
    graceTimer = vertx.setTimer(Math.max(1, graceMs), t -> {
      if (suspended) {
        suspended = false;
        teardown();
      }
    });
  }

  /** A suspended session leaves its room now (its grace timer is cancelled). */
  private void leaveSuspended() {
    suspended = false;
    vertx.cancelTimer(graceTimer);
    teardown();
  }

  /**
   * A parked session: no socket, on a node that adopts a peer of a stopping node ({@link Addresses#PEER_ADOPT}),
   * so the peer can resume on any node with nothing lost and its room sees nothing. Start it with {@link #adopt}.
   */
  public static Session parked(Vertx vertx, HubOptions options, String node, Consumer<Session> onEnd) {
    Session parked = new Session(vertx, null, options, node, null, null, () -> { }, onEnd);
    parked.closed = true;
    parked.suspended = true; // keeps what arrives from the start
    parked.dialect = V1Dialect.INSTANCE;
    return parked;
  }

  /**
   * Adopts the peer described by a {@link Addresses#PEER_ADOPT} request: takes over its id claim (with the
   * stored hash of its resume token, which goes on working) and its frames from the stopping node's
   * connection, moves its room seat here (a resume: the room is told nothing), and stays suspended for the
   * rest of its grace period. Fails, and cleans up, when the peer is no longer where the request said.
   */
  public Future<Void> adopt(JsonObject request) {
    String peerId = request.getString("peer");
    String roomName = request.getString("room");
    adoptHash = request.getString("tokenHash");
    leaveReason = request.getString("reason", "disconnected");
    return claim(peerId, roomName)
      .compose(v -> resumedFrom == null ? Future.failedFuture("peer " + peerId + " is no longer connected")
        : vertx.eventBus().<JsonObject>request(Addresses.ROOM_JOIN, new JsonObject().put("room", roomName).put("peer", peerId)
          .put("node", node).put("epoch", epoch).put("resumeFrom", resumedFrom), this.request))
      .<Void>map(reply -> {
        room = roomName;
        startFenceWait();
        if (forwardTo == null) { // not resumed already by the peer itself
          suspendFor(request.getLong("graceMs", options.getResumeGraceMs()));
        }
        LOG.info("peer {} of room {} adopted by node {} from a stopping node; resumable", peerId, roomName, node);
        return null;
      })
      .onFailure(t -> {
        suspended = false;
        teardown();
      });
  }

  /**
   * The node is stopping: another node adopts this peer ({@link #adopt}), and a live socket is closed with 1001
   * only then, so its client resumes there (or on any node) within its grace period. Without another node,
   * or when the adoption fails, the peer leaves its room at once ({@code node-stopped}).
   */
  private void migrate() {
    long graceMs = suspended ? Math.max(0, suspendedUntil - System.currentTimeMillis()) : options.getResumeGraceMs();
    JsonObject adopt = new JsonObject().put("peer", id).put("room", room).put("node", node).put("tokenHash", tokenHash)
      .put("graceMs", graceMs)
      .put("reason", suspended ? leaveReason : "node-stopped"); // the peer-left reason should it not come back
    vertx.eventBus().<JsonObject>request(Addresses.PEER_ADOPT, adopt, new DeliveryOptions().setSendTimeout(options.getRequestTimeoutMs()))
      .onComplete(ar -> {
        if (ar.failed()) {
          LOG.info("peer {}: no other node adopted it ({}); leaving", id, ar.cause().getMessage());
        }
        if (forwardTo != null) { // handed over to the adopter, which asked for it before replying
          closeWith(CloseCodes.GOING_AWAY, "node stopping", "node-stopped");
          vertx.setTimer(DRAIN_MS, t -> {
            consumer.unregister();
            end();
          });
        } else {
          leaveAsTheNodeStops();
        }
      });
  }

  /** Leaves the room at once ({@code node-stopped}): a suspended session tears down, a live one is closed with 1001. */
  private void leaveAsTheNodeStops() {
    if (suspended) {
      leaveReason = "node-stopped";
      leaveSuspended();
    } else {
      closeWith(CloseCodes.GOING_AWAY, "node stopping", "node-stopped");
    }
  }

  /** A new connection of this peer takes this one over: hand it what was kept, forward what still comes. */
  private void handOver(Message<?> msg) {
    JsonObject body = (JsonObject) msg.body();
    if (!room.equals(body.getString("room"))) {
      // a resume into another room: this session leaves its room (peer-left), the new connection joins afresh
      LOG.info("peer {} resumed into another room than {}: leaving it", id, room);
      if (suspended) {
        leaveSuspended();
      } else {
        closeWith(CloseCodes.SESSION_TAKEN_OVER, "session resumed by another connection", "disconnected");
      }
      ended.future().onComplete(ar -> msg.reply(new JsonObject().put("replaced", true)));
      return;
    }
    forwardTo = body.getString("to");
    vertx.cancelTimer(graceTimer);
    boolean wasOpen = !closed;
    suspended = false;
    // replay what the client did not get (it says up to which seq it did), then what was kept since the link dropped
    long received = body.getLong("received", -1L);
    long base = seq;
    JsonArray frames = new JsonArray();
    if (received >= 0 && received <= seq) {
      long first = seq - unacked.size() + 1;
      if (received + 1 < first) {
        LOG.warn("peer {}: frames {}..{} are too old to replay to its resume", id, received + 1, first - 1);
      }
      base = Math.max(received, first - 1);
      unacked.from((int) (base + 1 - first)).forEach(frames::add);
    }
    kept.forEach(frames::add);
    msg.reply(new JsonObject().put("frames", frames).put("seq", base)
      .put("vias", vias == null ? new JsonArray() : new JsonArray(new ArrayList<>(vias))));
    kept.clear();
    unacked.clear();
    boolean adopting = body.getBoolean("adopt", false);
    if (wasOpen && !adopting) {
      ws.close(CloseCodes.SESSION_TAKEN_OVER, "session resumed by another connection");
    }
    if (!wasOpen || !adopting) {
      room = null; // an adopted live peer keeps sending through here until its socket is closed with 1001
    }
    uncountPeer();
    // this connection's id claim now belongs to the new one: releasing it is a no-op, but presence forgets us
    vertx.eventBus().send(Addresses.PRESENCE_DISCONNECT, new JsonObject().put("peer", id).put("node", node).put("epoch", epoch), LOCAL);
    LOG.info("peer {} handed over to {}; node {} forwards to it", id, body.getBoolean("adopt", false) ? "another node" : "a new connection", node);
    vertx.setTimer(FORWARD_MS, t -> {
      if (consumer != null) {
        consumer.unregister();
      }
      end();
    });
  }

  /** The one clean-up path: leave the room, unregister {@code peer.<id>}, release the id. */
  private void teardown() {
    if (tornDown) {
      return;
    }
    tornDown = true;
    EventBus eb = vertx.eventBus();
    String peerId = id;
    String left = room;
    room = null;
    uncountPeer();
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

  /** Whether the peer's socket is open (read from any thread: a snapshot). */
  public boolean isOpen() {
    return !closed;
  }

  /**
   * The node is stopping: hands a resumable peer to another node ({@link #migrate}), else closes the socket with
   * 1001 (going away) and removes the peer from its room at once; completes when this session has ended. Safe
   * to call from any thread.
   */
  public Future<Void> shutdown() {
    context.runOnContext(v -> {
      if (forwardTo != null) {
        if (consumer != null) {
          consumer.unregister();
        }
        end();
      } else if (id != null && room != null && joining == null && !tornDown && resumable()) {
        migrate();
      } else {
        leaveAsTheNodeStops();
      }
    });
    return ended.future();
  }

  /**
   * Closes the socket with {@code code} and cleans up at once, without waiting for the client's half of
   * the closing handshake (a peer that stopped answering would hold its room membership until Vert.x's
   * closing time-out).
   */
  private void closeWith(short code, String reason, String peerLeftReason) {
    if (closed) {
      return;
    }
    leaveReason = peerLeftReason;
    closedByHub = true;
    ws.close(code, reason);
    onClosed();
  }
}
