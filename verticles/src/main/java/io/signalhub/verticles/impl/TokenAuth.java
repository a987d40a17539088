package io.signalhub.verticles.impl;

import io.signalhub.protocol.ErrorCode;
import io.signalhub.protocol.Ids;
import io.signalhub.protocol.ProtocolException;
import io.signalhub.verticles.HubOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

/**
 * Verifies connection tokens with vertx-auth-jwt: HS256 with a shared secret, RS256/ES256 with a public
 * key, and the configured audience and issuer. Refuses a bad signature,
 * {@code alg: none}, an expiry in the past, and, unlike vertx-auth-jwt's default, a token without
 * {@code exp}. The token's {@code sub} is the peer id. Tokens are never logged.
 */
public final class TokenAuth {

  private final JWTAuth jwt;

  private TokenAuth(JWTAuth jwt) {
    this.jwt = jwt;
  }

  /** A verifier for HS256 tokens signed with {@code secret}. */
  public static TokenAuth hs256(Vertx vertx, String secret) {
    return create(vertx, new HubOptions().setJwtSecret(secret));
  }

  /**
   * A verifier for the keys of {@code options}: the HS256 {@code jwtSecret} and/or the RS256/ES256
   * {@code jwtPublicKey}, with the required {@code jwtAudience} / {@code jwtIssuer} when set; {@code null}
   * when no key is configured.
   */
  public static TokenAuth create(Vertx vertx, HubOptions options) {
    if (!options.hasTokenKeys()) {
      return null;
    }
    JWTAuthOptions auth = new JWTAuthOptions();
    if (!options.getJwtSecret().isEmpty()) {
      auth.addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(options.getJwtSecret()));
    }
    if (!options.getJwtPublicKey().isEmpty()) {
      auth.addPubSecKey(new PubSecKeyOptions().setAlgorithm(options.getJwtPublicKeyAlgorithm()).setBuffer(options.getJwtPublicKey()));
    }
    JWTOptions jwt = new JWTOptions();
    if (!options.getJwtAudience().isEmpty()) {
      jwt.setAudience(java.util.List.of(options.getJwtAudience()));
    }
    if (!options.getJwtIssuer().isEmpty()) {
      jwt.setIssuer(options.getJwtIssuer());
    }
    return new TokenAuth(JWTAuth.create(vertx, auth.setJWTOptions(jwt)));
  }

  /**
   * The subject of a valid token.
   *
   * @return fails with {@link ProtocolException} {@code unauthorized} for any refused token
   */
  public Future<String> subject(String token) {
    return verify(token).map(Claims::subject);
  }

  /** The claims the hub uses: the peer id ({@code sub}) and the room it may join ({@code room}, optional). */
  public record Claims(String subject, String room) {
  }

  /**
   * The claims of a valid token.
   *
   * @return fails with {@link ProtocolException} {@code unauthorized} for any refused token
   */
  public Future<Claims> verify(String token) {
    if (token == null || token.isEmpty()) {
      return Future.failedFuture(refused("missing token"));
    }
    return jwt.authenticate(new TokenCredentials(token))
      .recover(t -> Future.failedFuture(refused("invalid token")))
      .compose(user -> {
        // the decoded claims: User.get looks in the JWT's root claim (accessToken), then the principal
        if (!(user.get("exp") instanceof Number)) {
          return Future.failedFuture(refused("the token has no 'exp' claim"));
        }
        String sub = user.get("sub") instanceof String s ? s : null;
        if (!Ids.isValid(sub)) {
          return Future.failedFuture(refused("the token's 'sub' must be a peer id (1-64 of A-Z a-z 0-9 _ -)"));
        }
        Object room = user.get("room");
        if (room != null && !(room instanceof String r && Ids.isValid(r))) {
          return Future.failedFuture(refused("the token's 'room' must be a room name"));
        }
        return Future.succeededFuture(new Claims(sub, (String) room));
      });
  }

  private static ProtocolException refused(String why) {
    return new ProtocolException(ErrorCode.UNAUTHORIZED, why);
  }
}
