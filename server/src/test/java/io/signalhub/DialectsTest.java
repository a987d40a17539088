package io.signalhub;

import io.signalhub.verticles.HubOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The dialects of the seed documents, frame by frame through one hub (the real-WebRTC proof of each is in
 * {@link RealWebRtcE2ETest}): what each client sends arrives in the recipient's own dialect.
 */
@ExtendWith({VertxExtension.class, LeakCheck.class})
class DialectsTest {

  static final String SECRET = "a-test-secret-that-is-at-least-32-characters-long";

  private Vertx vertx;
  private SignalingHub hub;
  private int port;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    this.vertx = vertx;
    hub = SignalingHub.create(vertx, new HubOptions().setAnonymous(true).setJwtSecret(SECRET).setHoldMs(2000).setRoomCapacity(2));
    hub.deploy(new HubServerOptions().setPort(0)).await(20, TimeUnit.SECONDS);
    port = hub.actualPort();
  }

  @AfterEach
  void stop() throws Exception {
    hub.undeploy().await(20, TimeUnit.SECONDS);
  }

  /** An HS256 token for {@code sub}, valid for a minute; {@code withExp = false} leaves {@code exp} out. */
  static String token(Vertx vertx, String secret, String sub, boolean withExp, int expiresInSeconds) {
    JWTAuth jwt = JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(secret)));
    JWTOptions options = new JWTOptions().setAlgorithm("HS256").setNoTimestamp(!withExp);
    if (withExp) {
      options.setExpiresInSeconds(expiresInSeconds);
    }
    return jwt.generateToken(new JsonObject().put("sub", sub), options);
  }

  @Test
  void simplePeerHelloAndSignalKeepTheirShapeAndData() throws Exception {
    try (TestPeer controller = TestPeer.connect(vertx, port, "/ws?roomId=sp");
         TestPeer poopush = TestPeer.connect(vertx, port, "/ws?roomId=sp")) {
      controller.send(new JsonObject().put("type", "hello").put("id", "poopush_controller"));
      JsonObject offer = new JsonObject().put("type", "offer").put("sdp", "v=0\r\n");
      // sent before poopush said hello: held until it does
      controller.send(new JsonObject().put("type", "signal").put("id", "poopush_controller").put("to", "poopush").put("data", offer));
      poopush.send(new JsonObject().put("type", "hello").put("id", "poopush"));
      assertEquals(new JsonObject().put("type", "signal").put("id", "poopush_controller").put("to", "poopush").put("data", offer),
        poopush.next("signal"));

      JsonObject candidate = new JsonObject().put("type", "candidate")
        .put("candidate", new JsonObject().put("candidate", "candidate:1 1 udp 1 127.0.0.1 9 typ host").put("sdpMid", "0").put("sdpMLineIndex", 0));
      JsonObject renegotiate = new JsonObject().put("renegotiate", true);
      poopush.send(new JsonObject().put("type", "signal").put("id", "mallory").put("to", "poopush_controller").put("data", candidate));
      poopush.send(new JsonObject().put("type", "signal").put("id", "poopush").put("to", "poopush_controller").put("data", renegotiate));
      JsonObject got = controller.next("signal");
      assertEquals("poopush", got.getString("id"), "the sender's id is stamped by the hub");
      assertEquals("poopush_controller", got.getString("to"));
      assertEquals(candidate, got.getJsonObject("data"));
      assertEquals(renegotiate, controller.next("signal").getJsonObject("data"));

      poopush.send(new JsonObject().put("type", "signal").put("to", "poopush_controller"));
      JsonObject missing = poopush.next("error").getJsonObject("data");
      assertEquals("missing-field", missing.getString("code"));
      assertTrue(missing.getString("message").contains("data"), missing.getString("message"));
    }
  }

  @Test
  void privateMeetFramesWithAToken() throws Exception {
    try (TestPeer alice = TestPeer.connect(vertx, port, "/ws?token=" + token(vertx, SECRET, "alice", true, 60));
         TestPeer bob = TestPeer.connect(vertx, port, "/ws?token=" + token(vertx, SECRET, "bob", true, 60))) {
      alice.send(new JsonObject().put("type", "room.join").put("room", "meet"));
      JsonObject joined = alice.next("room.joined");
      assertEquals("alice", joined.getJsonObject("data").getString("id"));
      bob.send(new JsonObject().put("type", "room.join").put("room", "meet"));
      assertEquals(new JsonArray().add("alice"), bob.next("room.joined").getJsonObject("data").getJsonArray("peers"));
      JsonObject peerJoined = alice.next("room.peerJoined");
      assertEquals("bob", peerJoined.getString("from"));
      assertEquals("meet", peerJoined.getString("room"));

      alice.send(new JsonObject().put("type", "webrtc.offer").put("room", "meet").put("data", new JsonObject().put("sdp", "v=0 A").put("to", "bob")));
      JsonObject offer = bob.next("webrtc.offer");
      assertEquals("alice", offer.getString("from"));
      assertEquals(new JsonObject().put("sdp", "v=0 A").put("to", "bob"), offer.getJsonObject("data"));
      bob.send(new JsonObject().put("type", "webrtc.iceCandidate").put("room", "meet")
        .put("data", new JsonObject().put("candidate", "candidate:1 1 udp 1 127.0.0.1 9 typ host").put("to", "alice")));
      JsonObject ice = alice.next("webrtc.iceCandidate");
      assertEquals("bob", ice.getString("from"));
      assertEquals("candidate:1 1 udp 1 127.0.0.1 9 typ host", ice.getJsonObject("data").getString("candidate"));
      assertEquals("alice", ice.getJsonObject("data").getString("to"));

      alice.send(new JsonObject().put("type", "webrtc.answer").put("room", "meet").put("data", new JsonObject().put("sdp", "x")));
      JsonObject missing = alice.next("error").getJsonObject("data");
      assertEquals("missing-field", missing.getString("code"));
      assertTrue(missing.getString("message").contains("to"), missing.getString("message"));

      bob.close();
      JsonObject left = alice.next("room.peerLeft");
      assertEquals("bob", left.getJsonObject("data").getString("id"));
    }
  }

  @Test
  void badTokensAreRefusedWith1008() throws Exception {
    String header = b64("{\"alg\":\"none\",\"typ\":\"JWT\"}");
    String claims = b64(new JsonObject().put("sub", "eve").put("exp", System.currentTimeMillis() / 1000 + 60).encode());
    String[] refused = {
      "garbage",
      header + "." + claims + ".", // unsigned (alg: none)
      token(vertx, "another-secret-of-at-least-32-characters!!", "eve", true, 60), // wrong signature
      token(vertx, SECRET, "eve", true, -60), // expired
      token(vertx, SECRET, "eve", false, 0), // no exp at all
      token(vertx, SECRET, "eve.with.dots", true, 60), // a sub that cannot be a peer id
    };
    for (String token : refused) {
      try (TestPeer eve = TestPeer.connectRefused(vertx, port, "/ws?token=" + token)) {
        assertEquals("unauthorized", eve.next("error").getJsonObject("data").getString("code"), token);
        assertEquals(1008, eve.awaitClose());
      }
    }
    try (TestPeer noToken = TestPeer.connect(vertx, port, "/ws")) {
      noToken.send(new JsonObject().put("type", "room.join").put("room", "meet"));
      assertEquals("unauthorized", noToken.next("error").getJsonObject("data").getString("code"));
      assertEquals(1008, noToken.awaitClose());
    }
  }

  private static String b64(String json) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void mdnPeersNeedNoIdsAndReachTheOtherPeerOfTheRoom() throws Exception {
    try (TestPeer a = TestPeer.connect(vertx, port, "/ws?roomId=demoapp");
         TestPeer b = TestPeer.connect(vertx, port, "/ws?roomId=demoapp")) {
      JsonObject sdp = new JsonObject().put("type", "offer").put("sdp", "v=0\r\n");
      a.send(new JsonObject().put("type", "offer").put("sdp", sdp));
      assertEquals(new JsonObject().put("type", "offer").put("sdp", sdp), b.next(), "MDN clients get nothing else");
      JsonObject candidate = new JsonObject().put("candidate", "candidate:1 1 udp 1 127.0.0.1 9 typ host").put("sdpMid", "0").put("sdpMLineIndex", 0);
      b.send(new JsonObject().put("type", "new-ice-candidate").put("candidate", candidate));
      assertEquals(new JsonObject().put("type", "new-ice-candidate").put("candidate", candidate), a.next());
      b.send(new JsonObject().put("type", "answer"));
      JsonObject missing = b.next("error").getJsonObject("data");
      assertEquals("missing-field", missing.getString("code"));
      assertTrue(missing.getString("message").contains("sdp"));
    }
  }

  @Test
  void restJoinThenWebSocketAsInTheGoHub() throws Exception {
    JsonObject first = post("/rooms/join", null);
    assertEquals(200, first.getInteger("status"), first.encode());
    String room = first.getString("roomId");
    JsonObject second = post("/rooms/join", new JsonObject().put("roomId", room));
    assertEquals(room, second.getString("roomId"));
    assertNotEquals(first.getString("clientId"), second.getString("clientId"));
    assertEquals(400, post("/rooms/join", new JsonObject().put("roomId", "no.dots")).getInteger("status"));

    try (TestPeer a = TestPeer.join(vertx, port, room, first.getString("clientId"));
         TestPeer b = TestPeer.join(vertx, port, room, second.getString("clientId"))) {
      JsonObject full = post("/rooms/join", new JsonObject().put("roomId", room));
      assertEquals(409, full.getInteger("status"), "capacity 2, read from the same room state");
      assertEquals("room-full", full.getString("error"));
      a.send(new JsonObject().put("type", "offer").put("from", first.getString("clientId")).put("to", second.getString("clientId"))
        .put("data", new JsonObject().put("sdp", "v=0")));
      JsonObject offer = b.next("offer");
      assertEquals(first.getString("clientId"), offer.getString("from"));
      assertEquals(new JsonObject().put("sdp", "v=0"), offer.getJsonObject("data"));
    }
  }

  private JsonObject post(String path, JsonObject body) throws Exception {
    var client = vertx.createHttpClient();
    try {
      return client.request(HttpMethod.POST, port, "127.0.0.1", path)
        .compose(req -> body == null ? req.send() : req.putHeader("content-type", "application/json").send(Buffer.buffer(body.encode())))
        .compose(resp -> resp.body().map(b -> {
          try {
            return new JsonObject(b).put("status", resp.statusCode());
          } catch (io.vertx.core.json.DecodeException notJson) { // say what came instead (seen once, not understood)
            return new JsonObject().put("status", resp.statusCode()).put("raw", b.toString());
          }
        }))
        .await(10, TimeUnit.SECONDS);
    } finally {
      client.close();
    }
  }

  @Test
  void aV1PeerAndAnMdnPeerShareARoom() throws Exception {
    try (TestPeer v1 = TestPeer.join(vertx, port, "mixed", "gohub");
         TestPeer mdn = TestPeer.connect(vertx, port, "/ws?roomId=mixed")) {
      String mdnId = v1.next("peer-joined").getJsonObject("data").getString("id");
      v1.send(TestPeer.offer(mdnId, "v=0 from v1"));
      JsonObject offer = mdn.next("offer");
      assertEquals(new JsonObject().put("type", "offer").put("sdp", "v=0 from v1"), offer.getJsonObject("sdp"));
      mdn.send(new JsonObject().put("type", "answer").put("sdp", new JsonObject().put("type", "answer").put("sdp", "v=0 from mdn")));
      JsonObject answer = v1.next("answer");
      assertEquals(mdnId, answer.getString("from"));
      assertEquals("v=0 from mdn", answer.getJsonObject("data").getString("sdp"));
    }
  }

  @Test
  void aFrameOfNoDialectIsRefusedByItsType() throws Exception {
    try (TestPeer p = TestPeer.connect(vertx, port, "/ws")) {
      p.send(new JsonObject().put("type", "subscribe").put("channel", "x"));
      // it reads as v1, whose types it does not match
      assertEquals("unknown-type", p.next("error").getJsonObject("data").getString("code"));
      p.send(new JsonObject().put("kind", "offer"));
      JsonObject missing = p.next("error").getJsonObject("data");
      assertEquals("missing-field", missing.getString("code"));
      assertTrue(missing.getString("message").contains("type"));
    }
  }
}
