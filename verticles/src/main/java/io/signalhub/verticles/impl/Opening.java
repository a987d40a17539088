package io.signalhub.verticles.impl;

import io.signalhub.protocol.CloseCodes;
import io.signalhub.protocol.Dialect;
import io.signalhub.protocol.Dialects;
import io.signalhub.protocol.ErrorCode;
import io.signalhub.protocol.MdnDialect;
import io.signalhub.protocol.MessageType;
import io.signalhub.protocol.PrivateMeetDialect;
import io.signalhub.protocol.ProtocolException;
import io.signalhub.protocol.V1Dialect;
import io.signalhub.verticles.HubOptions;
import io.vertx.core.Vertx;

import java.util.List;
import java.util.Map;

/**
 * The opening of one {@link Connection}, until its frames are decoded in a known dialect (docs/protocol.md,
 * "Connecting and joining", "Authentication", "Dialects: existing clients"): reads the URL ({@link Handshake}),
 * takes the dialect the URL tells, verifies the token of the URL or of a first {@code auth} frame
 * ({@link #onAuthFrame}), tells the dialect from the first frame ({@link #detect}) or, for {@code ?roomId=} alone,
 * from {@code dialectWaitMs} of silence (an MDN answerer), and joins the room the URL names, or, for a Private Meet
 * connection (seed 001: no join frame), the room its token's {@code room} claim names ({@link #begin}).
 *
 * <p>It drives its connection's opening states ({@link Connection.State}): {@code AUTHENTICATING -> DETECTING |
 * OPEN} once a token is verified, {@code DETECTING -> OPEN} once the dialect is known; a refusal closes the
 * connection with 1008 ({@code CLOSED}). Its own data: the dialect timer, and an MDN client's first frame, handled
 * once the room of the URL is joined ({@link #takeAfterJoin}). Confined to the socket's context.
 */
final class Opening {

  private final Vertx vertx;
  private final HubOptions options;
  private final Connection conn;
  private final Session session;
  /** Verifies tokens, or {@code null} when none are configured. */
  private final TokenAuth auth;
  private final Handshake handshake;
  private long dialectTimer = -1;
  /** A frame to handle once the join it caused has completed (an MDN client's first frame). */
  private String afterJoin;

  Opening(Vertx vertx, HubOptions options, Connection conn, Session session, TokenAuth auth, Handshake handshake) {
    this.vertx = vertx;
    this.options = options;
    this.conn = conn;
    this.session = session;
    this.auth = auth;
    this.handshake = handshake;
  }

  /** Reads the URL of {@code uri}, and authenticates or joins the room it names. */
  void start(String uri) {
    Map<String, List<String>> query;
    try {
      query = handshake.read(uri);
    } catch (IllegalArgumentException malformed) {
      conn.sendError(new ProtocolException(ErrorCode.INVALID_FIELD, "the URL's query string is malformed"), null);
      conn.closeWith(CloseCodes.POLICY_VIOLATION, "malformed query", "refused");
      return;
    }
    String urlId = handshake.urlId();
    String protocol = Handshake.first(query, "protocol", null);
    String token = Handshake.first(query, "token", null);
    try {
      if (protocol != null) {
        conn.setDialect(Dialects.named(protocol));
      } else if (token != null && urlId == null && handshake.urlRoom() == null) {
        conn.setDialect(PrivateMeetDialect.INSTANCE); // GET /ws?token=<jwt>, exactly as seed 001
      } else if (urlId != null) {
        conn.setDialect(V1Dialect.INSTANCE);
      }
    } catch (ProtocolException e) {
      conn.sendError(e, null);
    }
    ProtocolException invalidId = handshake.dropInvalidUrlId();
    if (invalidId != null) { // not joined: the client may send a join frame (after its token, if one is needed)
      conn.sendError(invalidId, MessageType.JOIN);
    }
    Dialect dialect = conn.dialect();
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

  /**
   * Joins the room of the URL, or, for a Private Meet connection whose token has a {@code room} claim, that room (the
   * client gets {@code room.joined} without sending anything; refused: the join's error frame, the socket stays
   * until {@code joinTimeoutMs}), or waits for the frame that tells the dialect: once authenticated, if needed.
   * Other dialects join by their own frames or URL: the claim only limits where ({@link JoinFlow#start}).
   */
  private void begin() {
    Dialect dialect = conn.dialect();
    if (conn.state() == Connection.State.AUTHENTICATING) {
      conn.to(dialect == null ? Connection.State.DETECTING : Connection.State.OPEN);
    }
    String urlRoom = handshake.urlRoom();
    if (urlRoom != null && (dialect == MdnDialect.INSTANCE || dialect == V1Dialect.INSTANCE
      || dialect == PrivateMeetDialect.INSTANCE)) {
      joinFromUrl();
    } else if (dialect == PrivateMeetDialect.INSTANCE && handshake.authRoom() != null) {
      joinAtConnect(handshake.authRoom());
    } else if (dialect == null && urlRoom != null) {
      // an MDN answerer never speaks first: without a frame soon, ?roomId= alone is MDN
      dialectTimer = vertx.setTimer(options.getDialectWaitMs(), t -> {
        if (conn.state() == Connection.State.DETECTING) {
          conn.setDialect(MdnDialect.INSTANCE);
          joinFromUrl();
        }
      });
    }
  }

  private void joinFromUrl() {
    if (handshake.urlRoom() == null) {
      conn.sendError(new ProtocolException(ErrorCode.MISSING_FIELD, "missing query parameter 'roomId'"), MessageType.JOIN);
    } else {
      joinAtConnect(handshake.urlRoom());
    }
  }

  /** Joins {@code room} without a join frame; a refusal is an error frame, the socket stays open in no room. */
  private void joinAtConnect(String room) {
    try {
      session.join(room, null);
    } catch (ProtocolException e) {
      conn.sendError(e, MessageType.JOIN);
    }
  }

  /** Verifies the connection's JWT ({@link Handshake#verify}); a bad token is refused with close 1008. */
  private void authenticate(String token) {
    conn.pause();
    handshake.verify(auth, token).onComplete(ar -> {
      if (!conn.isOpen()) {
        return;
      }
      if (ar.failed()) {
        refuse(ar.cause().getMessage());
        return;
      }
      conn.resume();
      begin();
    });
  }

  private void refuse(String why) {
    Session.LOG.atInfo().addKeyValue("event", "refused").addKeyValue("reason", "unauthorized")
      .addKeyValue("ip", conn.remoteIp()).addKeyValue("peer", handshake.urlId())
      .log("connection from {} refused (unauthorized): {}", conn.remoteIp(), why);
    conn.sendError(new ProtocolException(ErrorCode.UNAUTHORIZED, why), null);
    conn.closeWith(CloseCodes.POLICY_VIOLATION, "unauthorized", "refused");
  }

  /** A frame while {@code AUTHENTICATING} (a URL without a token, outside anonymous mode): it must be {@code auth}. */
  void onAuthFrame(String text) {
    String token = Handshake.tokenOfAuthFrame(text);
    if (token != null) {
      authenticate(token);
    } else {
      refuse("this hub needs a token: ?token=<jwt> in the URL or a first frame {\"type\":\"auth\",\"token\":\"<jwt>\"}");
    }
  }

  /** Tells the dialect from the first frame ({@code DETECTING}); {@code false} when it is not to be handled now. */
  boolean detect(String text) {
    Dialect detected;
    try {
      detected = Dialects.detect(text);
    } catch (ProtocolException e) {
      conn.sendError(e, null);
      return false;
    }
    vertx.cancelTimer(dialectTimer);
    conn.setDialect(detected);
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

  /** The frame to handle now that the join it caused is over (and forgets it), or {@code null}. */
  String takeAfterJoin() {
    String first = afterJoin;
    afterJoin = null;
    return first;
  }

  /** The connection closed: no dialect to wait for any more. */
  void stop() {
    vertx.cancelTimer(dialectTimer);
  }
}
