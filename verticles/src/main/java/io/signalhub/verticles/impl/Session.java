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
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One peer connection of ws-ingress. Confined to the socket's context: every field is read and written
 * on it only.
 */
public final class Session {

  private static final Logger LOG = LoggerFactory.getLogger(Session.class);
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);
  /** Most frames held for a joining peer until its {@code welcome} is written; more are dropped. */
  static final int MAX_EARLY_FRAMES = 256;

  private final Vertx vertx;
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

  /**
   * @param auth verifies Private Meet tokens, or {@code null} when no {@code jwtSecret} is configured
   * @param onEnd called once when the connection is closed
   */
  public Session(Vertx vertx, ServerWebSocket ws, HubOptions options, String node, TokenAuth auth, Consumer<Session> onEnd) {
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
    ws.pongHandler(b -> lastSeen = System.currentTimeMillis());
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
    vertx.eventBus().send(Addresses.ROUTE, new Envelope(signal.type(), room, id, address, signal.to(), signal.frame(),
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
    Future<Void> claimed = id != null ? Future.succeededFuture() : claim(peerId);
    claimed
      .compose(v -> closed ? Future.failedFuture("closed") : vertx.eventBus().<JsonObject>request(Addresses.ROOM_JOIN,
        new JsonObject().put("room", roomName).put("peer", peerId).put("node", node).put("epoch", epoch), request))
      .onComplete(ar -> {
        joining = null;
        if (ar.succeeded()) {
          room = roomName;
        }
        if (closed) {
          early.clear();
          if (ar.failed() && id != null && !Replies.isRefusal(ar.cause())) {
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
            vertx.eventBus().request(Addresses.ROOM_LEAVE,
              new JsonObject().put("room", roomName).put("peer", id).put("reason", "disconnected"), request);
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
        writeIfAny(dialect.welcome(roomName, peerId, state.othersThan(peerId),
          TurnCredentials.iceServers(options, peerId, System.currentTimeMillis() / 1000)));
        for (Message<String> frame : early) {
          write(frame);
        }
        early.clear();
        if (afterJoin != null) {
          String first = afterJoin;
          afterJoin = null;
          handle(first);
        }
        LOG.info("peer {} joined room {} on node {}", peerId, roomName, node);
      });
  }

  /** Claims the id with presence, then registers {@code peer.<id>} and waits for it cluster-wide. */
  private Future<Void> claim(String peerId) {
    EventBus eb = vertx.eventBus();
    String claimEpoch = Ids.random();
    JsonObject claim = new JsonObject().put("peer", peerId).put("node", node).put("epoch", claimEpoch);
    return eb.request(Addresses.PRESENCE_CONNECT, claim, request)
      .onFailure(t -> {
        if (!Replies.isRefusal(t)) {
          // timed out: the claim may be stored all the same, release it (only this connection's claim)
          eb.send(Addresses.PRESENCE_DISCONNECT, claim, LOCAL);
        }
      })
      .compose(reply -> {
        id = peerId;
        epoch = claimEpoch;
        address = Addresses.peer(peerId, claimEpoch);
        consumer = eb.consumer(address, this::onPeerMessage);
        return consumer.completion();
      });
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
    if (closed) {
      return;
    }
    if (Addresses.OP_PING.equals(msg.headers().get(Addresses.HEADER_OP))) {
      if (System.currentTimeMillis() - lastSeen > options.getIdleTimeoutMs()) {
        closeWith(CloseCodes.IDLE_TIMEOUT, "idle timeout", "idle-timeout");
      } else {
        ws.writePing(Buffer.buffer());
      }
      return;
    }
    String frameRoom = msg.headers().get(Addresses.HEADER_ROOM);
    if (frameRoom != null && frameRoom.equals(room)) {
      write(msg);
    } else if (frameRoom != null && frameRoom.equals(joining)) {
      if (early.size() < MAX_EARLY_FRAMES) {
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
    String rendered;
    try {
      rendered = dialect.render(msg.body(), id);
    } catch (RuntimeException unrenderable) {
      LOG.warn("peer {}: a frame could not be rendered for its dialect and was dropped: {}", id, unrenderable.toString());
      return;
    }
    writeIfAny(rendered);
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
    onEnd.accept(this);
    if (joining == null) {
      teardown();
    }
    // else the join in flight tears down when it completes
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
      : eb.request(Addresses.ROOM_LEAVE, new JsonObject().put("room", left).put("peer", peerId).put("reason", leaveReason), request);
    leaving
      .eventually(() -> consumer == null ? Future.succeededFuture() : consumer.unregister())
      .onComplete(ar -> {
        if (peerId != null) {
          eb.send(Addresses.PRESENCE_DISCONNECT, new JsonObject().put("peer", peerId).put("node", node).put("epoch", epoch), LOCAL);
          LOG.info("peer {} disconnected ({}) from room {} on node {}", peerId, leaveReason, left, node);
        }
        ended.tryComplete();
      });
  }

  /**
   * Closes the socket with 1001 (going away) and removes the peer from its room at once; completes when
   * the clean-up is done. Safe to call from any thread.
   */
  public Future<Void> shutdown() {
    context.runOnContext(v -> closeWith(CloseCodes.GOING_AWAY, "node stopping", "node-stopped"));
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
    ws.close(code, reason);
    onClosed();
  }
}
