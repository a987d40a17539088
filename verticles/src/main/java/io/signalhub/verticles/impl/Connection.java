package io.signalhub.verticles.impl;

import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.signalhub.protocol.CloseCodes;
import io.signalhub.protocol.Dialect;
import io.signalhub.protocol.Dialects;
import io.signalhub.protocol.ErrorCode;
import io.signalhub.protocol.Frames;
import io.signalhub.protocol.Inbound;
import io.signalhub.protocol.MdnDialect;
import io.signalhub.protocol.MessageType;
import io.signalhub.protocol.PrivateMeetDialect;
import io.signalhub.protocol.ProtocolException;
import io.signalhub.protocol.V1Dialect;
import io.signalhub.verticles.HubOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;

import java.util.List;
import java.util.Map;

/**
 * The WebSocket of one {@link Session}: the handshake's query ({@code ClientId}, {@code roomId}, {@code token},
 * {@code resume}), authentication, dialect detection, the rate limit, and the writes with their backpressure.
 * Frames come in at {@link #onText} (rate limit, auth, detection, then {@link Dialect#decode}, the streaming
 * parse) and go to {@link Session#onInbound}; frames go out at {@link #write}. docs/protocol.md: "Connecting and
 * joining", "Authentication", "Dialects", "Error codes", "WebSocket close codes".
 *
 * <p>States ({@link State}): {@code AUTHENTICATING -> DETECTING | OPEN | CLOSED}; {@code DETECTING -> OPEN | CLOSED};
 * {@code OPEN -> CLOSED | DROPPED}; {@code AUTHENTICATING | DETECTING -> DROPPED}. {@code CLOSED} and
 * {@code DROPPED} are final; {@code DROPPED} (no closing handshake, or idle) lets the session be resumed.
 * Confined to the socket's context.
 */
final class Connection {

  enum State {
    /** Outside anonymous mode, before a token is verified: the first frame must be {@code auth}. */
    AUTHENTICATING,
    /** The dialect is not known yet: the first frame, or {@code dialectWaitMs} with {@code ?roomId=}, tells it. */
    DETECTING,
    /** Frames are decoded in the connection's dialect. */
    OPEN,
    /** Closed by the client's closing handshake, or by the hub. */
    CLOSED,
    /** The link dropped without a closing handshake, or went idle: the session may be resumed. */
    DROPPED;

    boolean isClosed() {
      return this == CLOSED || this == DROPPED;
    }
  }

  private final Vertx vertx;
  private final ServerWebSocket ws;
  private final HubOptions options;
  private final HubMetrics metrics;
  private final Session session;
  /** Verifies tokens, or {@code null} when none are configured. */
  private final TokenAuth auth;
  private final Runnable onSocketClosed;
  private State state;
  /** The connection's dialect, or {@code null} until told by the URL or the first frame. */
  private Dialect dialect;
  private long dialectTimer = -1;
  private long joinTimer = -1;
  private final Handshake handshake = new Handshake();
  /** A frame to handle once the join it caused has completed (an MDN client's first frame). */
  private String afterJoin;
  private long lastSeen = System.currentTimeMillis();
  private double tokens;
  private long refilledAt = System.nanoTime();
  private int dropped;

  Connection(Vertx vertx, ServerWebSocket ws, HubOptions options, Session session, TokenAuth auth, Runnable onSocketClosed) {
    this.vertx = vertx;
    this.ws = ws;
    this.options = options;
    this.metrics = HubMetrics.of(vertx);
    this.session = session;
    this.auth = auth;
    this.onSocketClosed = onSocketClosed;
    this.tokens = options.getRateLimitBurst();
    // default deny: outside anonymous mode nothing is served before a token is verified
    this.state = options.isAnonymous() ? State.DETECTING : State.AUTHENTICATING;
  }

  /** Installs the socket handlers, reads the URL, and authenticates or joins the room it names. */
  void start() {
    metrics.connectionOpened();
    ws.setWriteQueueMaxSize(options.getMaxQueuedBytes());
    joinTimer = vertx.setTimer(options.getJoinTimeoutMs(), t -> {
      if (!state.isClosed() && !session.isJoining()) { // cancelled by the first join that succeeds
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
      session.onPong(Handshake.parseReceived(payload.toString())); // the seq written in our ping (RFC 6455: echoed), if any
    });
    ws.exceptionHandler(this::onSocketError);
    ws.closeHandler(v -> onClosed(false));

    Map<String, List<String>> query;
    try {
      query = handshake.read(ws.uri());
    } catch (IllegalArgumentException malformed) {
      sendError(new ProtocolException(ErrorCode.INVALID_FIELD, "the URL's query string is malformed"), null);
      closeWith(CloseCodes.POLICY_VIOLATION, "malformed query", "refused");
      return;
    }
    String urlId = handshake.urlId();
    String protocol = Handshake.first(query, "protocol", null);
    String token = Handshake.first(query, "token", null);
    try {
      if (protocol != null) {
        setDialect(Dialects.named(protocol));
      } else if (token != null && urlId == null && handshake.urlRoom() == null) {
        setDialect(PrivateMeetDialect.INSTANCE); // GET /ws?token=<jwt>, exactly as seed 001
      } else if (urlId != null) {
        setDialect(V1Dialect.INSTANCE);
      }
    } catch (ProtocolException e) {
      sendError(e, null);
    }
    ProtocolException invalidId = handshake.dropInvalidUrlId();
    if (invalidId != null) { // not joined: the client may send a join frame (after its token, if one is needed)
      sendError(invalidId, MessageType.JOIN);
    }
    if (token != null) {
      authenticate(token);
    } else if (dialect == PrivateMeetDialect.INSTANCE) {
      refuse("Private Meet connections need ?token=<jwt>");
    } else if (!options.isAnonymous() && handshake.urlRoom() != null) {
      refuse("this hub needs a token: add ?token=<jwt> to a URL that joins a room");
    } else if (options.isAnonymous()) {
      begin();
    }
    // else AUTHENTICATING: the first frame must be {"type":"auth","token":...}
  }

  /** The dialect is known: frames are decoded in it from now on (it is fixed for the connection). */
  private void setDialect(Dialect d) {
    dialect = d;
    if (state == State.DETECTING) {
      to(State.OPEN);
    }
  }

  private void to(State next) {
    boolean legal = switch (state) {
      case AUTHENTICATING -> next != State.AUTHENTICATING;
      case DETECTING -> next != State.AUTHENTICATING && next != State.DETECTING;
      case OPEN -> next.isClosed();
      case CLOSED, DROPPED -> false;
    };
    if (!legal) {
      throw new IllegalStateException("connection of peer " + session.id + ": " + state + " -> " + next);
    }
    state = next;
  }

  /** Joins the room of the URL, or waits for the frame that tells the dialect: once authenticated, if needed. */
  private void begin() {
    if (state == State.AUTHENTICATING) {
      to(dialect == null ? State.DETECTING : State.OPEN);
    }
    String urlRoom = handshake.urlRoom();
    if (urlRoom != null && (dialect == MdnDialect.INSTANCE || dialect == V1Dialect.INSTANCE
      || dialect == PrivateMeetDialect.INSTANCE)) {
      joinFromUrl();
    } else if (dialect == null && urlRoom != null) {
      // an MDN answerer never speaks first: without a frame soon, ?roomId= alone is MDN
      dialectTimer = vertx.setTimer(options.getDialectWaitMs(), t -> {
        if (state == State.DETECTING) {
          setDialect(MdnDialect.INSTANCE);
          joinFromUrl();
        }
      });
    }
  }

  private void joinFromUrl() {
    try {
      if (handshake.urlRoom() == null) {
        throw new ProtocolException(ErrorCode.MISSING_FIELD, "missing query parameter 'roomId'");
      }
      session.join(handshake.urlRoom(), null);
    } catch (ProtocolException e) {
      sendError(e, MessageType.JOIN);
    }
  }

  /** Verifies the connection's JWT ({@link Handshake#verify}); a bad token is refused with close 1008. */
  private void authenticate(String token) {
    ws.pause();
    handshake.verify(auth, token).onComplete(ar -> {
      if (state.isClosed()) {
        return;
      }
      if (ar.failed()) {
        refuse(ar.cause().getMessage());
        return;
      }
      ws.resume();
      begin();
    });
  }

  private void refuse(String why) {
    sendError(new ProtocolException(ErrorCode.UNAUTHORIZED, why), null);
    closeWith(CloseCodes.POLICY_VIOLATION, "unauthorized", "refused");
  }

  /** Frame in: rate limit, then authentication or dialect detection while those last, then the decoded frame. */
  private void onText(String text) {
    lastSeen = System.currentTimeMillis();
    if (state.isClosed() || !withinRateLimit()) {
      return;
    }
    if (state == State.AUTHENTICATING) { // outside anonymous mode, a URL without a token: {"type":"auth","token"} first
      String token = Handshake.tokenOfAuthFrame(text);
      if (token != null) {
        authenticate(token);
      } else {
        refuse("this hub needs a token: ?token=<jwt> in the URL or a first frame {\"type\":\"auth\",\"token\":\"<jwt>\"}");
      }
      return;
    }
    try {
      if (state == State.DETECTING && !detect(text)) {
        return;
      }
      handle(text);
    } catch (RuntimeException bug) {
      Session.LOG.error("closing peer {} after an unexpected failure: {}", session.id, bug.toString(), bug);
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
    setDialect(detected);
    if (detected == PrivateMeetDialect.INSTANCE && !handshake.verified()) {
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
      if (inbound instanceof Inbound.Join join && join.resume() != null) {
        handshake.offerResume(join.resume(), join.received());
      }
      session.onInbound(inbound);
    } catch (ProtocolException e) {
      sendError(e, inbound instanceof Inbound.Signal s ? s.type() : null);
    }
  }

  /** The session joined a room: no join time-out any more; an MDN client's first frame is handled now. */
  void joined() {
    vertx.cancelTimer(joinTimer);
    if (afterJoin != null) {
      String first = afterJoin;
      afterJoin = null;
      handle(first);
    }
  }

  /** A join failed: the frame that caused it is not handled. */
  void joinFailed() {
    afterJoin = null;
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

  /** Frame out: writes {@code text} unless {@code null}; a socket whose outbound queue is full is closed with 1013. */
  void write(String text) {
    if (text == null || state.isClosed()) {
      return;
    }
    if (ws.writeQueueFull()) {
      closeWith(CloseCodes.TRY_AGAIN_LATER, "slow reader", "slow-reader");
      return;
    }
    ws.writeTextMessage(text);
  }

  /** Writes a ping whose pong acknowledges the frames up to {@code seq}. */
  void ping(long seq) {
    if (!state.isClosed()) {
      ws.writePing(Buffer.buffer(Long.toString(seq)));
    }
  }

  /** The heartbeat: an idle connection is closed with 4000, a live one pinged. */
  void heartbeat(long seq) {
    if (System.currentTimeMillis() - lastSeen > options.getIdleTimeoutMs()) {
      closeWith(CloseCodes.IDLE_TIMEOUT, "idle timeout", "idle-timeout");
    } else {
      ws.writePing(Buffer.buffer(Long.toString(seq))); // its pong acknowledges frames up to seq
    }
  }

  void sendError(ProtocolException e, String type) {
    metrics.error(e.code().code());
    if (!state.isClosed()) {
      ws.writeTextMessage(Frames.error(e.code(), e.getMessage(), type));
    }
  }

  private void onSocketError(Throwable t) {
    if (t instanceof CorruptedWebSocketFrameException bad && !state.isClosed()) {
      // e.g. a frame over maxFrameBytes: say why with its close code (1009 for a too big message)
      closeWith((short) bad.closeStatus().code(), bad.closeStatus().reasonText(), "refused");
    } else {
      Session.LOG.debug("peer socket error: {}", t.toString());
    }
  }

  /**
   * Closes the socket with {@code code} and cleans up at once, without waiting for the client's half of
   * the closing handshake (a peer that stopped answering would hold its room membership until Vert.x's
   * closing time-out).
   */
  void closeWith(short code, String reason, String peerLeftReason) {
    if (state.isClosed()) {
      return;
    }
    session.leaveReason = peerLeftReason;
    ws.close(code, reason);
    onClosed(true);
  }

  /** Closes the socket, leaving the clean-up to the close handler (a session taken over). */
  void close(short code, String reason) {
    ws.close(code, reason);
  }

  private void onClosed(boolean byHub) {
    if (state.isClosed()) {
      return;
    }
    String reason = session.leaveReason;
    boolean dropped = "idle-timeout".equals(reason)
      || (!byHub && "disconnected".equals(reason) && noClosingHandshake());
    to(dropped ? State.DROPPED : State.CLOSED);
    vertx.cancelTimer(joinTimer);
    vertx.cancelTimer(dialectTimer);
    metrics.connectionClosed();
    onSocketClosed.run();
    session.onSocketClosed();
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

  State state() {
    return state;
  }

  boolean isOpen() {
    return !state.isClosed();
  }

  Dialect dialect() {
    return dialect;
  }

  void pause() {
    ws.pause();
  }

  void resume() {
    ws.resume();
  }

  Handshake handshake() {
    return handshake;
  }
}
