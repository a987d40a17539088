package io.signalhub.verticles.impl;

import io.signalhub.verticles.HubOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;

/**
 * TURN credentials in coturn's "TURN REST API" scheme (coturn's {@code use-auth-secret} /
 * {@code static-auth-secret}; draft-uberti-behave-turn-rest): username {@code <expiry unix seconds>:<peer id>},
 * credential {@code base64(HMAC-SHA1(secret, username))}. The TURN server checks them with the same secret,
 * so the hub and the TURN server share nothing else.
 */
public final class TurnCredentials {

  private TurnCredentials() {
  }

  /**
   * The RTCPeerConnection {@code iceServers} for {@code peer}:
   * {@code [{"urls":[...],"username":"<expiry>:<peer>","credential":"..."}]}, or an empty array when no
   * {@link HubOptions#getTurnUrls()} are configured.
   */
  public static JsonArray iceServers(HubOptions options, String peer, long nowSeconds) {
    JsonArray urls = new JsonArray();
    for (String url : options.getTurnUrls().split(",")) {
      if (!url.isBlank()) {
        urls.add(url.trim());
      }
    }
    if (urls.isEmpty()) {
      return new JsonArray();
    }
    String username = (nowSeconds + options.getTurnTtlMs() / 1000) + ":" + peer;
    return new JsonArray().add(new JsonObject().put("urls", urls).put("username", username)
      .put("credential", credential(options.getTurnSecret(), username)));
  }

  /** {@code base64(HMAC-SHA1(secret, username))}. */
  static String credential(String secret, String username) {
    try {
      Mac mac = Mac.getInstance("HmacSHA1");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
      return Base64.getEncoder().encodeToString(mac.doFinal(username.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA1 is part of every JDK", e);
    }
  }
}
