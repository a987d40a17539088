package io.signalhub.verticles.impl;

import io.netty.handler.codec.http.QueryStringDecoder;
import io.signalhub.protocol.ErrorCode;
import io.signalhub.protocol.Ids;
import io.signalhub.protocol.ProtocolException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;

/**
 * What a {@link Connection}'s client said about itself: the URL's query ({@code ClientId}, {@code roomId},
 * {@code protocol}, {@code token}, {@code resume}, {@code received}), a {@code join} frame's resume offer, and the
 * claims of its verified token (docs/protocol.md, "Connecting and joining", "Authentication", "Resume"). The token
 * itself is never kept. No states of its own: its connection is {@code AUTHENTICATING} until {@link #verify}
 * succeeds. Confined to the socket's context.
 */
final class Handshake {

  /** The peer id fixed by the URL ({@code ClientId}) or the token ({@code sub}), or {@code null}. */
  private String urlId;
  private String urlRoom;
  /** The verified token's claims, or {@code null}: its {@code room}, if any, is the only room it may join. */
  private TokenAuth.Claims claims;
  /** The resume token the client offered ({@code ?resume=} or {@code join}'s {@code data.resume}). */
  private String offeredResume;
  /** The {@code seq} of the last frame the client got before it resumed ({@code -1}: not told). */
  private long offeredReceived = -1;

  /** Reads the query of {@code uri}; returns it for the parameters not kept ({@code protocol}, {@code token}). */
  Map<String, List<String>> read(String uri) {
    Map<String, List<String>> query = new QueryStringDecoder(uri).parameters(); // IllegalArgumentException: malformed
    urlId = first(query, "ClientId", "clientId");
    offeredResume = first(query, "resume", null);
    offeredReceived = parseReceived(first(query, "received", null));
    urlRoom = first(query, "roomId", null);
    return query;
  }

  /**
   * Verifies the connection's JWT: its {@code sub} becomes the peer id (a {@code ClientId} in the URL must be the
   * same) and its optional {@code room} claim the only room it may join. Fails with the {@code unauthorized} refusal.
   */
  Future<Void> verify(TokenAuth auth, String token) {
    Future<TokenAuth.Claims> verified = auth == null
      ? Future.failedFuture(new ProtocolException(ErrorCode.UNAUTHORIZED, "this hub accepts no tokens (no jwtSecret or jwtPublicKey configured)"))
      : auth.verify(token);
    return verified.transform(ar -> {
      if (ar.failed()) {
        return Future.failedFuture(new ProtocolException(ErrorCode.UNAUTHORIZED, Replies.toProtocol(ar.cause()).getMessage()));
      }
      if (urlId != null && !urlId.equals(ar.result().subject())) {
        return Future.failedFuture(new ProtocolException(ErrorCode.UNAUTHORIZED, "ClientId differs from the token's subject"));
      }
      urlId = ar.result().subject();
      claims = ar.result();
      return Future.succeededFuture();
    });
  }

  /** The token of a first frame {@code {"type":"auth","token":...}}, or {@code null} when it is not one. */
  static String tokenOfAuthFrame(String text) {
    try {
      JsonObject frame = new JsonObject(text);
      if ("auth".equals(frame.getValue("type")) && frame.getValue("token") instanceof String token) {
        return token;
      }
    } catch (RuntimeException malformed) {
      // not an auth frame
    }
    return null;
  }

  /** A {@code ClientId} that is no valid peer id is forgotten, with the room: the client may send a join frame. */
  ProtocolException dropInvalidUrlId() {
    if (urlId == null || Ids.isValid(urlId)) {
      return null;
    }
    ProtocolException invalid;
    try {
      Ids.require(urlId, "ClientId");
      throw new IllegalStateException();
    } catch (ProtocolException e) {
      invalid = e;
    }
    urlId = null;
    urlRoom = null;
    return invalid;
  }

  /** A {@code join} frame offers to resume: its token and {@code received} replace the URL's. */
  void offerResume(String token, long received) {
    offeredResume = token;
    offeredReceived = received;
  }

  String urlId() {
    return urlId;
  }

  String urlRoom() {
    return urlRoom;
  }

  boolean verified() {
    return claims != null;
  }

  /**
   * The only room the connection's token lets it join ({@code forbidden} for another), or {@code null} for any; a
   * Private Meet connection joins it at connect, a SimplePeer {@code hello} without {@code ?roomId=} joins it.
   */
  String authRoom() {
    return claims == null ? null : claims.room();
  }

  String offeredResume() {
    return offeredResume;
  }

  long offeredReceived() {
    return offeredReceived;
  }

  static long parseReceived(String text) {
    try {
      return text == null ? -1 : Math.max(-1, Long.parseLong(text));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  static String first(Map<String, List<String>> query, String name, String alt) {
    List<String> values = query.get(name);
    if ((values == null || values.isEmpty()) && alt != null) {
      values = query.get(alt);
    }
    return values == null || values.isEmpty() ? null : values.get(0);
  }
}
