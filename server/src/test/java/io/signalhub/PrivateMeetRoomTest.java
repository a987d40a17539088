package io.signalhub;

import io.signalhub.verticles.HubOptions;
import io.vertx.core.Vertx;
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

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Private Meet clients written strictly to their document (seed 001: {@code GET /ws?token=<jwt>}, {@code room} on
 * every frame, no join frame named): a token's {@code room} claim joins the connection at connect, and without one
 * the first {@code webrtc.*} frame naming a room joins it and is then routed (docs/protocol.md, "Private Meet").
 * Outside anonymous mode, as in production.
 */
@ExtendWith({VertxExtension.class, LeakCheck.class})
class PrivateMeetRoomTest {

  private Vertx vertx;
  private SignalingHub hub;
  private int port;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    this.vertx = vertx;
    hub = SignalingHub.create(vertx, new HubOptions().setJwtSecret(DialectsTest.SECRET).setRoomCapacity(2).setJoinTimeoutMs(5000));
    hub.deploy(new HubServerOptions().setPort(0)).await(20, TimeUnit.SECONDS);
    port = hub.actualPort();
  }

  @AfterEach
  void stop() throws Exception {
    hub.undeploy().await(20, TimeUnit.SECONDS);
  }

  /** An HS256 token for {@code sub}, with a {@code room} claim unless {@code room} is {@code null}. */
  private String token(String sub, String room) {
    JsonObject claims = new JsonObject().put("sub", sub);
    if (room != null) {
      claims.put("room", room);
    }
    return JWTAuth.create(vertx, new JWTAuthOptions().addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(DialectsTest.SECRET)))
      .generateToken(claims, new JWTOptions().setAlgorithm("HS256").setExpiresInSeconds(60));
  }

  private TestPeer connect(String sub, String room) throws Exception {
    return TestPeer.connect(vertx, port, "/ws?token=" + token(sub, room));
  }

  /** A frame as seed 001 writes it: {@code {type, room, data: {..., to}}}. */
  private static JsonObject webrtc(String type, String room, String to, String key, String value) {
    return new JsonObject().put("type", type).put("room", room).put("data", new JsonObject().put(key, value).put("to", to));
  }

  /**
   * The next frame of {@code p} but {@code room.peerJoined}, which must be of {@code type}; the senders of the
   * {@code room.peerJoined} frames passed over go to {@code joinedSeen}. (Presence tells {@code room.peerJoined}, the
   * router relays signals: a newcomer's first signal may come before or after it.)
   */
  private static JsonObject nextSignal(TestPeer p, String type, Set<String> joinedSeen) throws InterruptedException {
    JsonObject frame = p.next();
    while ("room.peerJoined".equals(frame.getString("type"))) {
      joinedSeen.add(frame.getString("from"));
      frame = p.next();
    }
    assertEquals(type, frame.getString("type"), "unexpected frame " + frame.encode());
    return frame;
  }

  @Test
  void strictClientsWithoutRoomJoinSignalEachOther() throws Exception {
    try (TestPeer alice = connect("alice", null);
         TestPeer bob = connect("bob", null)) {
      // alice's first frame joins "meet" and is routed: bob is not there yet, so it is held for him
      alice.send(webrtc("webrtc.offer", "meet", "bob", "sdp", "v=0 A"));
      JsonObject joined = alice.next("room.joined");
      assertEquals("meet", joined.getString("room"));
      assertEquals("alice", joined.getJsonObject("data").getString("id"));
      assertEquals(new JsonArray(), joined.getJsonObject("data").getJsonArray("peers"));

      // bob's first frames, written without waiting: the first joins, and all of them keep their order
      bob.sendNoWait(webrtc("webrtc.answer", "meet", "alice", "sdp", "v=0 B"));
      for (int i = 0; i < 5; i++) {
        bob.sendNoWait(webrtc("webrtc.iceCandidate", "meet", "alice", "candidate", "candidate:" + i + " 1 udp 1 127.0.0.1 9 typ host"));
      }
      JsonObject bobJoined = bob.next("room.joined");
      assertEquals(new JsonArray().add("alice"), bobJoined.getJsonObject("data").getJsonArray("peers"));
      JsonObject offer = bob.next("webrtc.offer");
      assertEquals("alice", offer.getString("from"));
      assertEquals(new JsonObject().put("sdp", "v=0 A").put("to", "bob"), offer.getJsonObject("data"));

      Set<String> joinedSeen = new HashSet<>();
      JsonObject answer = nextSignal(alice, "webrtc.answer", joinedSeen);
      assertEquals("bob", answer.getString("from"));
      assertEquals("v=0 B", answer.getJsonObject("data").getString("sdp"));
      for (int i = 0; i < 5; i++) {
        JsonObject ice = nextSignal(alice, "webrtc.iceCandidate", joinedSeen);
        assertEquals("candidate:" + i + " 1 udp 1 127.0.0.1 9 typ host", ice.getJsonObject("data").getString("candidate"));
        assertEquals("meet", ice.getString("room"));
      }
      if (joinedSeen.isEmpty()) {
        assertEquals("bob", alice.next("room.peerJoined").getString("from"));
      }

      // once in "meet", a frame naming another room is refused (already-joined) and not routed; the socket stays
      alice.send(webrtc("webrtc.offer", "elsewhere", "bob", "sdp", "v=0 lost"));
      JsonObject refused = alice.next("error").getJsonObject("data");
      assertEquals("already-joined", refused.getString("code"));
      assertEquals("offer", refused.getString("type"));
      alice.send(webrtc("webrtc.offer", "meet", "bob", "sdp", "v=0 again"));
      assertEquals("v=0 again", bob.next("webrtc.offer").getJsonObject("data").getString("sdp"), "the refused frame reached no one");
    }
  }

  @Test
  void aRoomClaimJoinsAtConnectAndLimitsTheFramesRooms() throws Exception {
    try (TestPeer alice = connect("alice", "r1")) {
      JsonObject joined = alice.next("room.joined"); // sent nothing
      assertEquals("r1", joined.getString("room"));
      assertEquals("alice", joined.getJsonObject("data").getString("id"));
      assertEquals(new JsonArray(), joined.getJsonObject("data").getJsonArray("peers"));
      try (TestPeer bob = connect("bob", "r1")) {
        assertEquals(new JsonArray().add("alice"), bob.next("room.joined").getJsonObject("data").getJsonArray("peers"));
        assertEquals("bob", alice.next("room.peerJoined").getString("from"));

        // room.join of the room it is in does nothing (no error, no second room.joined)
        alice.send(new JsonObject().put("type", "room.join").put("room", "r1"));
        // a frame or a room.join naming another room: forbidden by the claim, not routed, the socket stays
        alice.send(webrtc("webrtc.offer", "r2", "bob", "sdp", "v=0 lost"));
        JsonObject forbidden = alice.next("error").getJsonObject("data");
        assertEquals("forbidden", forbidden.getString("code"));
        assertEquals("offer", forbidden.getString("type"));
        alice.send(new JsonObject().put("type", "room.join").put("room", "r2"));
        assertEquals("forbidden", alice.next("error").getJsonObject("data").getString("code"));

        alice.send(webrtc("webrtc.offer", "r1", "bob", "sdp", "v=0 A"));
        JsonObject offer = bob.next("webrtc.offer");
        assertEquals("alice", offer.getString("from"));
        assertEquals("v=0 A", offer.getJsonObject("data").getString("sdp"), "the refused frame reached no one");
        bob.send(webrtc("webrtc.answer", "r1", "alice", "sdp", "v=0 B"));
        assertEquals("v=0 B", alice.next("webrtc.answer").getJsonObject("data").getString("sdp"));

        // the claim's join is refused like any join (capacity 2): error frame, then join-timeout and 4002
        try (TestPeer carol = connect("carol", "r1")) {
          JsonObject full = carol.next("error").getJsonObject("data");
          assertEquals("room-full", full.getString("code"));
          assertEquals("join", full.getString("type"));
          assertEquals("join-timeout", carol.next("error").getJsonObject("data").getString("code"));
          assertEquals(4002, carol.awaitClose());
        }
      }
    }
  }

  @Test
  void withAClaimAFirstFrameNamingAnotherRoomIsForbidden() throws Exception {
    // carol's claimed room is full: she is in no room, so her frame would join the room it names, but the claim forbids it
    try (TestPeer a = connect("a", "r1")) {
      a.next("room.joined");
      try (TestPeer carol = connectAfterRoomFull(a)) {
        carol.send(webrtc("webrtc.offer", "r2", "a", "sdp", "v=0 lost"));
        JsonObject forbidden = carol.next("error").getJsonObject("data");
        assertEquals("forbidden", forbidden.getString("code"));
        assertEquals("offer", forbidden.getString("type"));
        // once a seat is free, a frame naming the claimed room joins it, then is routed
        assertEquals("b", a.next("room.peerLeft").getString("from"));
        carol.send(webrtc("webrtc.offer", "r1", "a", "sdp", "v=0 C"));
        assertEquals(new JsonArray().add("a"), carol.next("room.joined").getJsonObject("data").getJsonArray("peers"));
        Set<String> joinedSeen = new HashSet<>();
        assertEquals("v=0 C", nextSignal(a, "webrtc.offer", joinedSeen).getJsonObject("data").getString("sdp"),
          "the forbidden frame reached no one");
        if (joinedSeen.isEmpty()) {
          assertEquals("carol", a.next("room.peerJoined").getString("from"));
        }
      }
    }
  }

  /** Fills r1 (capacity 2) with b next to {@code a}, connects carol (room-full), then lets b go. */
  private TestPeer connectAfterRoomFull(TestPeer a) throws Exception {
    try (TestPeer b = connect("b", "r1")) {
      b.next("room.joined");
      assertEquals("b", a.next("room.peerJoined").getString("from"));
      TestPeer carol = connect("carol", "r1");
      assertEquals("room-full", carol.next("error").getJsonObject("data").getString("code"));
      return carol;
    }
  }

  @Test
  void otherDialectsWithARoomClaimJoinByTheirOwnMeans() throws Exception {
    // v1: nothing at connect (its client sends join, which would then be already-joined); the claim limits the room
    try (TestPeer v1 = TestPeer.connect(vertx, port, "/ws?protocol=v1&token=" + token("v", "sp1"))) {
      v1.send(new JsonObject().put("type", "join").put("room", "sp1"));
      assertEquals("v", v1.next("welcome").getJsonObject("data").getString("id"));
      // SimplePeer's hello names no room: without ?roomId= it joins the claim's room, not defaultRoom
      try (TestPeer sp = TestPeer.connect(vertx, port, "/ws?protocol=simplepeer&token=" + token("poopush", "sp1"))) {
        sp.send(new JsonObject().put("type", "hello").put("id", "poopush"));
        assertEquals("poopush", v1.next("peer-joined").getJsonObject("data").getString("id"));
      }
    }
  }
}
