package io.signalhub;

import io.signalhub.verticles.HubOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Authentication outside anonymous mode: every connection shows a JWT (in the URL or a first {@code auth}
 * frame) whose {@code sub} is its peer id, checked for signature, expiry, audience and issuer, and whose
 * {@code room} claim limits where it may join.
 */
@ExtendWith(VertxExtension.class)
class AuthTest {

  private static final String SECRET = DialectsTest.SECRET;

  private static String hs256(Vertx vertx, JsonObject claims, String audience, String issuer) {
    JWTOptions options = new JWTOptions().setAlgorithm("HS256").setExpiresInSeconds(60);
    if (audience != null) {
      options.setAudience(List.of(audience));
    }
    if (issuer != null) {
      options.setIssuer(issuer);
    }
    return JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(SECRET)))
      .generateToken(claims, options);
  }

  private static SignalingHub start(Vertx vertx, HubOptions options) throws Exception {
    SignalingHub hub = SignalingHub.create(vertx, options);
    hub.deploy(new HubServerOptions().setPort(0)).await(20, TimeUnit.SECONDS);
    return hub;
  }

  @Test
  void tokensInTheUrlOrTheFirstFrameNameThePeerAndLimitItsRoom(Vertx vertx) throws Exception {
    SignalingHub hub = start(vertx, new HubOptions().setJwtSecret(SECRET).setJwtAudience("signalhub").setJwtIssuer("https://issuer.example"));
    int port = hub.actualPort();
    String alice = hs256(vertx, new JsonObject().put("sub", "alice"), "signalhub", "https://issuer.example");
    try (TestPeer a = TestPeer.connect(vertx, port, "/ws?roomId=r1&ClientId=alice&token=" + alice)) {
      assertEquals("alice", a.next("welcome").getJsonObject("data").getString("id"));
    }
    String bob = hs256(vertx, new JsonObject().put("sub", "bob").put("room", "r1"), "signalhub", "https://issuer.example");
    try (TestPeer b = TestPeer.connect(vertx, port, "/ws")) {
      b.send(new JsonObject().put("type", "auth").put("token", bob));
      b.send(new JsonObject().put("type", "join").put("room", "r2"));
      assertEquals("forbidden", b.next("error").getJsonObject("data").getString("code"), "the token's room claim");
      b.send(new JsonObject().put("type", "join").put("room", "r1"));
      assertEquals("bob", b.next("welcome").getJsonObject("data").getString("id"));
    }
    String[] refused = {
      hs256(vertx, new JsonObject().put("sub", "eve"), "another-audience", "https://issuer.example"),
      hs256(vertx, new JsonObject().put("sub", "eve"), "signalhub", "https://someone-else.example"),
      hs256(vertx, new JsonObject().put("sub", "eve"), null, null),
    };
    for (String token : refused) {
      try (TestPeer eve = TestPeer.connect(vertx, port, "/ws?roomId=r1&token=" + token + "&protocol=v1")) {
        assertEquals("unauthorized", eve.next("error").getJsonObject("data").getString("code"));
        assertEquals(1008, eve.awaitClose());
      }
    }
    try (TestPeer spoof = TestPeer.connect(vertx, port, "/ws?roomId=r1&ClientId=mallory&token=" + alice)) {
      assertEquals("unauthorized", spoof.next("error").getJsonObject("data").getString("code"), "ClientId is not the subject");
      assertEquals(1008, spoof.awaitClose());
    }
    try (TestPeer anonymous = TestPeer.connect(vertx, port, "/ws?roomId=r1&ClientId=anon")) {
      assertEquals("unauthorized", anonymous.next("error").getJsonObject("data").getString("code"), "no anonymous mode");
      assertEquals(1008, anonymous.awaitClose());
    }
    LeakCheck.assertDrained(vertx);
  }

  @Test
  void rs256TokensAreVerifiedWithAPublicKey(Vertx vertx) throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    KeyPair keys = generator.generateKeyPair();
    String publicPem = pem("PUBLIC KEY", keys.getPublic().getEncoded());
    String privatePem = pem("PRIVATE KEY", keys.getPrivate().getEncoded());
    SignalingHub hub = start(vertx, new HubOptions().setJwtPublicKey(publicPem).setJwtPublicKeyAlgorithm("RS256"));
    String token = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions().setAlgorithm("RS256").setBuffer(privatePem)))
      .generateToken(new JsonObject().put("sub", "carol"), new JWTOptions().setAlgorithm("RS256").setExpiresInSeconds(60));
    try (TestPeer carol = TestPeer.connect(vertx, hub.actualPort(), "/ws?roomId=rs&token=" + token + "&protocol=v1")) {
      assertEquals("carol", carol.next("welcome").getJsonObject("data").getString("id"));
    }
    String hsToken = hs256(vertx, new JsonObject().put("sub", "carol"), null, null);
    try (TestPeer forged = TestPeer.connect(vertx, hub.actualPort(), "/ws?roomId=rs&token=" + hsToken + "&protocol=v1")) {
      assertEquals("unauthorized", forged.next("error").getJsonObject("data").getString("code"), "an HS256 token when only RS256 is configured");
    }
    LeakCheck.assertDrained(vertx);
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der) + "\n-----END " + type + "-----\n";
  }
}
