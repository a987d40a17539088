package io.signalhub.verticles.impl;

import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.signalhub.protocol.CloseCodes;
import io.signalhub.protocol.Dialect;
import io.signalhub.protocol.ErrorCode;
import io.signalhub.protocol.Frames;
import io.signalhub.protocol.Inbound;
import io.signalhub.protocol.ProtocolException;
import io.signalhub.verticles.HubOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;

/**
 * The WebSocket of one {@link Session}: frames in at {@link #onText} ({@link RateLimit}, then the {@link Opening}
 * while the token or the dialect is not known yet, then {@link Dialect#decode}, the streaming parse, and
 * {@link Session#onInbound}); frames out at {@link #write}, with its backpressure (a full outbound queue closes
 * with 1013); the heartbeat and its pings ({@link #heartbeat}, {@link #ping}), the join time-out, and the close
 * codes. docs/protocol.md: "Connecting and joining", "Error codes", "WebSocket close codes"; where a frame goes,
 * in and out: {@code package-info.java}.
 *
 * <p>States ({@link State#allows}, checked by {@link #to}): {@code AUTHENTICATING -> DETECTING | OPEN | CLOSED |
 * DROPPED}; {@code DETECTING -> OPEN | CLOSED | DROPPED}; {@code OPEN -> CLOSED | DROPPED}. {@code CLOSED} and
 * {@code DROPPED} are final; {@code DROPPED} (no closing handshake, or idle) lets the session be resumed. The
 * {@link Opening} makes the moves out of {@code AUTHENTICATING} and {@code DETECTING} to {@code OPEN}.
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

    /** Whether the class Javadoc lists {@code this -> next}. */
    boolean allows(State next) {
      return switch (this) {
        case AUTHENTICATING -> next != AUTHENTICATING;
        case DETECTING -> next != AUTHENTICATING && next != DETECTING;
        case OPEN -> next.isClosed();
        case CLOSED, DROPPED -> false;
      };
    }
  }

  private final Vertx vertx;
  private final ServerWebSocket ws;
  private final HubOptions options;
  private final HubMetrics metrics;
  private final Session session;
  private final Runnable onSocketClosed;
  private final Handshake handshake = new Handshake();
  private final Opening opening;
  private final RateLimit rateLimit;
  private State state;
  /** The connection's dialect, or {@code null} until told by the URL or the first frame. */
  private Dialect dialect;
  private long joinTimer = -1;
  /** When the client last sent a frame or a pong, {@link System#currentTimeMillis()}. */
  private long lastSeen = System.currentTimeMillis();

  Connection(Vertx vertx, ServerWebSocket ws, HubOptions options, Session session, TokenAuth auth, Runnable onSocketClosed) {
    this.vertx = vertx;
    this.ws = ws;
    this.options = options;
    this.metrics = HubMetrics.of(vertx);
    this.session = session;
    this.onSocketClosed = onSocketClosed;
    this.opening = new Opening(vertx, options, this, session, auth, handshake);
    this.rateLimit = new RateLimit(options);
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
        closeWith(CloseCodes.JOIN_TIMEOUT, "join timeout", "refused");
      }
    });
    ws.textMessageHandler(this::onText);
    ws.binaryMessageHandler(b -> sendError(new ProtocolException(ErrorCode.UNSUPPORTED_FRAME,
      "binary frames are not supported, send JSON text frames"), null));
    ws.pongHandler(payload -> {
      lastSeen = System.currentTimeMillis();
      session.inbox.onPong(Handshake.parseReceived(payload.toString())); // the seq written in our ping (RFC 6455: echoed), if any
    });
    ws.exceptionHandler(this::onSocketError);
    ws.closeHandler(v -> onClosed(false));
    opening.start(ws.uri());
  }

  /** The dialect is known: frames are decoded in it from now on (it is fixed for the connection). */
  void setDialect(Dialect d) {
    dialect = d;
    if (state == State.DETECTING) {
      to(State.OPEN);
    }
  }

  /** Moves to {@code next}, or throws {@link IllegalStateException} for a transition the class Javadoc does not list. */
  void to(State next) {
    if (!state.allows(next)) {
      throw new IllegalStateException("connection of peer " + session.id + ": " + state + " -> " + next);
    }
    state = next;
  }

  /** Frame in: rate limit, then authentication or dialect detection while those last, then the decoded frame. */
  private void onText(String text) {
    lastSeen = System.currentTimeMillis();
    if ((state.isClosed() && !session.forwarding()) || !withinRateLimit()) {
      return; // (a session handed over, its socket closed by the hub: what the client sent before it saw the close still goes)
    }
    if (state == State.AUTHENTICATING) { // outside anonymous mode, a URL without a token: {"type":"auth","token"} first
      opening.onAuthFrame(text);
      return;
    }
    try {
      if (state == State.DETECTING && !opening.detect(text)) {
        return;
      }
      handle(text);
    } catch (RuntimeException bug) {
      Session.LOG.error("closing peer {} after an unexpected failure: {}", session.id, bug.toString(), bug);
      closeWith(CloseCodes.INTERNAL_ERROR, "internal error", "disconnected");
    }
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
      sendError(e, inbound instanceof Inbound.Signal s ? s.type()
        : inbound instanceof Inbound.InRoom in && in.signal() != null ? in.signal().type() : null);
    }
  }

  /** The session joined a room: no join time-out any more; an MDN client's first frame is handled now. */
  void joined() {
    vertx.cancelTimer(joinTimer);
    String first = opening.takeAfterJoin();
    if (first != null) {
      handle(first);
    }
  }

  /** A join failed: the frame that caused it is not handled. */
  void joinFailed() {
    opening.takeAfterJoin();
  }

  /** Takes a token of the {@link RateLimit}: {@code false} when the frame is dropped (and maybe the socket closed). */
  private boolean withinRateLimit() {
    RateLimit.Verdict verdict = rateLimit.take(System.nanoTime());
    if (verdict == RateLimit.Verdict.PASS) {
      return true;
    }
    if (verdict == RateLimit.Verdict.DROP_AND_SAY) {
      sendError(new ProtocolException(ErrorCode.RATE_LIMITED, "more than " + options.getRateLimitPerSecond()
        + " messages per second (burst " + options.getRateLimitBurst() + "); frames are dropped"), null);
    } else if (verdict == RateLimit.Verdict.CLOSE) {
      closeWith(CloseCodes.RATE_LIMITED, "rate limit", "refused");
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

  /** The client's IP address, for logs. */
  String remoteIp() {
    return ws.remoteAddress() == null ? "unknown" : ws.remoteAddress().hostAddress();
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
    opening.stop();
    metrics.connectionClosed();
    onSocketClosed.run();
    session.departure.onSocketClosed();
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
