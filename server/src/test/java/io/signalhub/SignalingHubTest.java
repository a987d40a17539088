package io.signalhub;

import io.signalhub.verticles.Addresses;
import io.signalhub.verticles.HubOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Protocol v1 against one hub node (a non-clustered Vertx), through real WebSockets. */
@ExtendWith({VertxExtension.class, LeakCheck.class})
class SignalingHubTest {

  private static final int CAPACITY = 3;
  private static final long HOLD_MS = 400;
  private static final int HOLD_MAX = 5;

  private Vertx vertx;
  private SignalingHub hub;
  private int port;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    this.vertx = vertx;
    hub = SignalingHub.create(vertx, new HubOptions().setAnonymous(true).setRoomCapacity(CAPACITY).setHoldMs(HOLD_MS)
      .setHoldMaxMessages(HOLD_MAX));
    hub.deploy(new HubServerOptions().setPort(0)).await(20, TimeUnit.SECONDS);
    port = hub.actualPort();
  }

  @AfterEach
  void stop() throws Exception {
    hub.undeploy().await(20, TimeUnit.SECONDS);
  }

  @Test
  void joinByUrlWelcomesWithThePeersAlreadyInTheRoom() throws Exception {
    try (TestPeer a = TestPeer.connect(vertx, port, "/ws?roomId=alpha123&ClientId=peerA")) {
      JsonObject welcomeA = a.next("welcome");
      assertEquals("alpha123", welcomeA.getString("room"));
      assertEquals("peerA", welcomeA.getJsonObject("data").getString("id"));
      assertEquals(new JsonArray(), welcomeA.getJsonObject("data").getJsonArray("peers"));

      try (TestPeer b = TestPeer.connect(vertx, port, "/ws?roomId=alpha123&clientId=peerB")) {
        JsonObject welcomeB = b.next("welcome");
        assertEquals(new JsonArray().add("peerA"), welcomeB.getJsonObject("data").getJsonArray("peers"));
        JsonObject joined = a.next("peer-joined");
        assertEquals("peerB", joined.getJsonObject("data").getString("id"));
        assertEquals("alpha123", joined.getString("room"));
      }
    }
  }

  @Test
  void joinByFrameWithAndWithoutAnId() throws Exception {
    try (TestPeer a = TestPeer.connect(vertx, port, "/ws"); TestPeer b = TestPeer.connect(vertx, port, "/ws")) {
      a.send(new JsonObject().put("type", "join").put("room", "r1").put("data", new JsonObject().put("id", "alice")));
      assertEquals("alice", a.next("welcome").getJsonObject("data").getString("id"));

      b.send(new JsonObject().put("type", "join").put("room", "r1"));
      JsonObject welcome = b.next("welcome");
      String generated = welcome.getJsonObject("data").getString("id");
      assertTrue(generated.matches("[A-Za-z0-9]{16}"), generated);
      assertEquals(generated, welcome.getString("to"));
      assertEquals(generated, a.next("peer-joined").getJsonObject("data").getString("id"));
    }
  }

  @Test
  void offerAnswerAndIceCandidatesAreForwardedByToWithDataUntouched() throws Exception {
    try (TestPeer a = TestPeer.join(vertx, port, "alpha123", "peerA");
         TestPeer b = TestPeer.join(vertx, port, "alpha123", "peerB")) {
      a.next("peer-joined");
      String sdp = "v=0\r\no=- 4611 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0\r\n";
      a.send(new JsonObject().put("type", "offer").put("from", "peerA").put("to", "peerB")
        .put("data", new JsonObject().put("type", "offer").put("sdp", sdp)));
      JsonObject offer = b.next("offer");
      assertEquals("peerA", offer.getString("from"));
      assertEquals("peerB", offer.getString("to"));
      assertEquals("alpha123", offer.getString("room"));
      assertEquals(new JsonObject().put("type", "offer").put("sdp", sdp), offer.getJsonObject("data"));

      b.send(new JsonObject().put("type", "answer").put("to", "peerA")
        .put("data", new JsonObject().put("type", "answer").put("sdp", "v=0\r\n")));
      JsonObject answer = a.next("answer");
      assertEquals("peerB", answer.getString("from"));
      assertEquals("v=0\r\n", answer.getJsonObject("data").getString("sdp"));

      JsonObject candidate = new JsonObject().put("candidate", "candidate:1 1 udp 2122260223 127.0.0.1 50000 typ host")
        .put("sdpMid", "0").put("sdpMLineIndex", 0);
      for (int i = 0; i < 20; i++) {
        a.send(new JsonObject().put("type", "ice-candidate").put("to", "peerB").put("data", candidate.copy().put("n", i)));
      }
      for (int i = 0; i < 20; i++) {
        JsonObject c = b.next("ice-candidate");
        assertEquals(i, c.getJsonObject("data").getInteger("n"), "candidates arrive in the order sent");
        assertEquals("peerA", c.getString("from"));
      }
      b.send(new JsonObject().put("type", "ice-candidate").put("to", "peerA").put("data", candidate));
      assertEquals(candidate, a.next("ice-candidate").getJsonObject("data"));
    }
  }

  @Test
  void aMessageWithoutToGoesToEveryOtherMemberOfTheRoom() throws Exception {
    try (TestPeer a = TestPeer.join(vertx, port, "mesh", "a");
         TestPeer b = TestPeer.join(vertx, port, "mesh", "b");
         TestPeer c = TestPeer.join(vertx, port, "mesh", "c");
         TestPeer outsider = TestPeer.join(vertx, port, "other", "o")) {
      a.next("peer-joined");
      a.next("peer-joined");
      b.next("peer-joined");
      a.send(new JsonObject().put("type", "offer").put("data", new JsonObject().put("sdp", "x")));
      for (TestPeer p : new TestPeer[]{b, c}) {
        JsonObject offer = p.next("offer");
        assertEquals("a", offer.getString("from"));
        assertFalse(offer.containsKey("to"));
      }
      // the sender does not get its own broadcast, nor does a peer of another room: the next frame each
      // receives is a later one
      b.send(TestPeer.offer("a", "after"));
      assertEquals("after", a.next("offer").getJsonObject("data").getString("sdp"));
      outsider.send(new JsonObject().put("type", "join").put("room", "x"));
      assertEquals("already-joined", outsider.next("error").getJsonObject("data").getString("code"));
    }
  }

  @Test
  void aSpoofedFromIsOverwrittenWithTheSendersId() throws Exception {
    try (TestPeer a = TestPeer.join(vertx, port, "r", "alice");
         TestPeer b = TestPeer.join(vertx, port, "r", "bob")) {
      a.send(TestPeer.offer("bob", "s").put("from", "carol").put("room", "elsewhere"));
      JsonObject offer = b.next("offer");
      assertEquals("alice", offer.getString("from"));
      assertEquals("r", offer.getString("room"));
    }
  }

  @Test
  void aToInAnotherRoomIsHeldThenExpiresAndNothingLeaks() throws Exception {
    try (TestPeer a = TestPeer.join(vertx, port, "alpha", "a");
         TestPeer x = TestPeer.join(vertx, port, "beta", "x");
         TestPeer y = TestPeer.join(vertx, port, "beta", "y")) {
      a.send(TestPeer.offer("a", "to myself"));
      assertEquals("not-in-room", a.next("error").getJsonObject("data").getString("code"));
      a.send(TestPeer.offer("x", "secret"));
      a.send(TestPeer.offer("nobody", "secret"));
      // x is in another room: the message waits for an "x" to join alpha, then the sender is told
      for (String to : new String[]{"x", "nobody"}) {
        JsonObject expired = a.next("error").getJsonObject("data");
        assertEquals("expired", expired.getString("code"));
        assertEquals(to, expired.getString("to"));
        assertEquals("offer", expired.getString("type"));
      }

      x.next("peer-joined");
      y.send(TestPeer.offer("x", "from y"));
      JsonObject next = x.next("offer");
      assertEquals("y", next.getString("from"), "x never received a's message");
    }
  }

  @Test
  void aMessageForAPeerThatHasNotJoinedYetIsDeliveredWhenItJoins() throws Exception {
    try (TestPeer peer1 = TestPeer.join(vertx, port, "s2", "peer1")) {
      peer1.send(TestPeer.offer("peer2", "offer before peer2 opened the page"));
      for (int i = 0; i < 3; i++) {
        peer1.send(new JsonObject().put("type", "ice-candidate").put("to", "peer2").put("data", new JsonObject().put("n", i)));
      }
      try (TestPeer peer2 = TestPeer.connect(vertx, port, "/ws?roomId=s2&ClientId=peer2")) {
        assertEquals(new JsonArray().add("peer1"), peer2.next("welcome").getJsonObject("data").getJsonArray("peers"));
        JsonObject offer = peer2.next("offer");
        assertEquals("peer1", offer.getString("from"));
        assertEquals("offer before peer2 opened the page", offer.getJsonObject("data").getString("sdp"));
        for (int i = 0; i < 3; i++) {
          assertEquals(i, peer2.next("ice-candidate").getJsonObject("data").getInteger("n"), "in order");
        }
        peer2.send(new JsonObject().put("type", "answer").put("to", "peer1").put("data", new JsonObject().put("sdp", "a")));
        peer1.next("peer-joined");
        assertEquals("a", peer1.next("answer").getJsonObject("data").getString("sdp"), "no expired came first");
      }
    }
  }

  @Test
  void aBroadcastSentWhileAloneGoesToTheNextPeerThatJoins() throws Exception {
    try (TestPeer a = TestPeer.join(vertx, port, "mdn-like", "first")) {
      a.send(new JsonObject().put("type", "offer").put("data", new JsonObject().put("sdp", "early")));
      try (TestPeer b = TestPeer.join(vertx, port, "mdn-like", "second")) {
        JsonObject offer = b.next("offer");
        assertEquals("first", offer.getString("from"));
        assertEquals("early", offer.getJsonObject("data").getString("sdp"));
      }
    }
  }

  @Test
  void holdingIsBoundedPerRecipient() throws Exception {
    try (TestPeer a = TestPeer.join(vertx, port, "bounded", "a")) {
      for (int i = 0; i <= HOLD_MAX; i++) {
        a.send(TestPeer.offer("absent", "m" + i));
      }
      JsonObject overflow = a.next("error").getJsonObject("data");
      assertEquals("expired", overflow.getString("code"), "the message past the bound is dropped at once");
      assertTrue(overflow.getString("message").contains("limit"), overflow.getString("message"));
      for (int i = 0; i < HOLD_MAX; i++) {
        assertEquals("expired", a.next("error").getJsonObject("data").getString("code"));
      }
    }
  }

  @Test
  void withHoldingOffAToOutsideTheRoomIsRefusedAtOnce() throws Exception {
    Vertx other = Vertx.vertx(); // one hub per Vertx: the hub's event-bus addresses are the Vertx's
    try {
      SignalingHub strict = SignalingHub.create(other, new HubOptions().setAnonymous(true).setHoldMs(0));
      strict.deploy(new HubServerOptions().setPort(0)).await(20, TimeUnit.SECONDS);
      try (TestPeer a = TestPeer.join(other, strict.actualPort(), "strict", "a")) {
        a.send(TestPeer.offer("nobody", "x"));
        assertEquals("not-in-room", a.next("error").getJsonObject("data").getString("code"));
      }
    } finally {
      other.close().await(20, TimeUnit.SECONDS);
    }
  }

  @Test
  void badInputGetsAnErrorFrameAndTheSocketKeepsWorking() throws Exception {
    try (TestPeer a = TestPeer.join(vertx, port, "r", "a");
         TestPeer b = TestPeer.join(vertx, port, "r", "b")) {
      a.next("peer-joined");
      a.sendText("{not json");
      assertEquals("malformed-json", a.next("error").getJsonObject("data").getString("code"));
      a.sendText("[1,2]");
      assertEquals("malformed-json", a.next("error").getJsonObject("data").getString("code"));
      a.send(new JsonObject().put("type", "hug").put("to", "b"));
      JsonObject unknown = a.next("error").getJsonObject("data");
      assertEquals("unknown-type", unknown.getString("code"));
      assertTrue(unknown.getString("message").contains("hug"));
      a.send(new JsonObject().put("to", "b"));
      JsonObject missing = a.next("error").getJsonObject("data");
      assertEquals("missing-field", missing.getString("code"));
      assertTrue(missing.getString("message").contains("type"));
      a.send(new JsonObject().put("type", "offer").put("to", "b"));
      assertTrue(a.next("error").getJsonObject("data").getString("message").contains("data"));
      a.send(new JsonObject().put("type", "offer").put("to", 42).put("data", new JsonObject()));
      assertEquals("invalid-field", a.next("error").getJsonObject("data").getString("code"));
      a.sendBinary(Buffer.buffer("{\"type\":\"offer\"}"));
      assertEquals("unsupported-frame", a.next("error").getJsonObject("data").getString("code"));

      a.send(TestPeer.offer("b", "still works"));
      assertEquals("still works", b.next("offer").getJsonObject("data").getString("sdp"));
    }
  }

  @Test
  void idsThatCannotBeAddressesAreRefused() throws Exception {
    try (TestPeer p = TestPeer.connect(vertx, port, "/ws")) {
      for (String id : new String[]{"a.b", "peer.x", "x".repeat(65), "tab\tid", ""}) {
        p.send(new JsonObject().put("type", "join").put("room", "r").put("data", new JsonObject().put("id", id)));
        assertEquals("invalid-id", p.next("error").getJsonObject("data").getString("code"), id);
      }
      p.send(new JsonObject().put("type", "join").put("room", "r.oom"));
      assertEquals("invalid-id", p.next("error").getJsonObject("data").getString("code"));
      p.send(new JsonObject().put("type", "join").put("room", "ok").put("data", new JsonObject().put("id", "fine_id-1")));
      assertEquals("fine_id-1", p.next("welcome").getJsonObject("data").getString("id"));
    }
  }

  @Test
  void anInvalidClientIdInTheUrlIsRefusedAndNothingIsJoined() throws Exception {
    try (TestPeer p = TestPeer.connect(vertx, port, "/ws?roomId=r&ClientId=bad.id")) {
      assertEquals("invalid-id", p.next("error").getJsonObject("data").getString("code"));
      p.send(new JsonObject().put("type", "join").put("room", "r").put("data", new JsonObject().put("id", "good")));
      JsonObject welcome = p.next("welcome");
      assertEquals("good", welcome.getJsonObject("data").getString("id"));
      assertEquals(new JsonArray(), welcome.getJsonObject("data").getJsonArray("peers"));
    }
  }

  @Test
  void signalingBeforeJoinIsRefused() throws Exception {
    try (TestPeer p = TestPeer.connect(vertx, port, "/ws")) {
      p.send(TestPeer.offer("b", "x"));
      assertEquals("not-joined", p.next("error").getJsonObject("data").getString("code"));
      p.send(new JsonObject().put("type", "leave"));
      assertEquals("not-joined", p.next("error").getJsonObject("data").getString("code"));
    }
  }

  @Test
  void aFullRoomRefusesTheNextPeer() throws Exception {
    try (TestPeer a = TestPeer.join(vertx, port, "small", "a");
         TestPeer b = TestPeer.join(vertx, port, "small", "b");
         TestPeer c = TestPeer.join(vertx, port, "small", "c");
         TestPeer d = TestPeer.connect(vertx, port, "/ws?roomId=small&ClientId=d")) {
      assertEquals("room-full", d.next("error").getJsonObject("data").getString("code"));
      c.close();
      a.next("peer-joined");
      a.next("peer-joined");
      a.next("peer-left");
      d.send(new JsonObject().put("type", "join").put("room", "small"));
      assertEquals(new JsonArray().add("a").add("b"), d.next("welcome").getJsonObject("data").getJsonArray("peers"));
    }
  }

  @Test
  void aSecondConnectionWithAnOnlineIdIsRefused() throws Exception {
    try (TestPeer a = TestPeer.join(vertx, port, "r", "same");
         TestPeer impostor = TestPeer.connect(vertx, port, "/ws?roomId=r&ClientId=same")) {
      assertEquals("id-taken", impostor.next("error").getJsonObject("data").getString("code"));
      a.send(new JsonObject().put("type", "leave"));
      a.next("left");
      // the id is still held by the open connection, in no room
      impostor.send(new JsonObject().put("type", "join").put("room", "r2").put("data", new JsonObject().put("id", "same")));
      assertEquals("id-taken", impostor.next("error").getJsonObject("data").getString("code"));
    }
  }

  @Test
  void peerLeftIsSentWhenAPeerDisconnectsOrLeaves() throws Exception {
    try (TestPeer a = TestPeer.join(vertx, port, "r", "a")) {
      TestPeer b = TestPeer.join(vertx, port, "r", "b");
      a.next("peer-joined");
      b.close();
      JsonObject left = a.next("peer-left");
      assertEquals("b", left.getJsonObject("data").getString("id"));
      assertEquals("disconnected", left.getJsonObject("data").getString("reason"));

      try (TestPeer c = TestPeer.join(vertx, port, "r", "c")) {
        a.next("peer-joined");
        c.send(new JsonObject().put("type", "leave"));
        assertEquals("r", c.next("left").getString("room"));
        JsonObject cLeft = a.next("peer-left");
        assertEquals("c", cLeft.getJsonObject("data").getString("id"));
        assertEquals("left", cLeft.getJsonObject("data").getString("reason"));
        // c may join again on the same socket, keeping its id
        c.send(new JsonObject().put("type", "join").put("room", "r"));
        assertEquals(new JsonArray().add("a"), c.next("welcome").getJsonObject("data").getJsonArray("peers"));
        assertEquals("c", a.next("peer-joined").getJsonObject("data").getString("id"));
      }
    }
  }

  @Test
  void anEmptyRoomIsRemoved(VertxTestContext test) throws Exception {
    Checkpoint removed = test.checkpoint();
    vertx.eventBus().<JsonObject>consumer(Addresses.ROOM_EVENTS, msg -> {
      if ("left".equals(msg.body().getString("event")) && msg.body().getJsonObject("members").isEmpty()) {
        test.verify(() -> assertEquals("lonely", msg.body().getString("room")));
        removed.flag();
      }
    }).completion().await(5, TimeUnit.SECONDS);
    try (TestPeer a = TestPeer.join(vertx, port, "lonely", "a")) {
      assertRoomExists("lonely", true);
      a.send(new JsonObject().put("type", "leave"));
      a.next("left");
    }
    assertTrue(test.awaitCompletion(10, TimeUnit.SECONDS));
    assertRoomExists("lonely", false);
  }

  private void assertRoomExists(String room, boolean exists) throws Exception {
    Message<JsonObject> reply = vertx.eventBus().<JsonObject>request(Addresses.ROOM_GET, new JsonObject().put("room", room),
      new DeliveryOptions().setSendTimeout(5000)).await(10, TimeUnit.SECONDS);
    if (exists) {
      assertTrue(reply.body().getJsonObject("members").containsKey("a"));
    } else {
      assertNull(reply.body());
    }
  }

  @Test
  void aFrameOverTheSizeLimitClosesTheSocketWith1009() throws Exception {
    try (TestPeer a = TestPeer.join(vertx, port, "r", "big");
         TestPeer b = TestPeer.join(vertx, port, "r", "b")) {
      a.sendText(TestPeer.offer("b", "x".repeat(HubOptions.MAX_FRAME_BYTES.defaultValue() + 1)).encode());
      assertEquals(1009, a.awaitClose());
      b.next("peer-left");
    }
  }

  @Test
  void stoppingTheHubClosesPeersWithGoingAway() throws Exception {
    TestPeer a = TestPeer.join(vertx, port, "r", "a");
    TestPeer b = TestPeer.join(vertx, port, "r", "b");
    hub.undeploy().await(20, TimeUnit.SECONDS);
    assertEquals(1001, a.awaitClose());
    assertEquals(1001, b.awaitClose());
    a.close();
    b.close();
  }

  @Test
  void joinsBeyondMaxJoinsInFlightWaitTheirTurnAndAllGetIn() throws Exception {
    Vertx vertx = Vertx.vertx(); // one hub per Vertx: this test's hub is not the one of start()
    SignalingHub gated = SignalingHub.create(vertx, new HubOptions().setAnonymous(true).setMaxJoinsInFlight(1));
    gated.deploy(new HubServerOptions().setPort(0)).await(20, TimeUnit.SECONDS);
    List<TestPeer> peers = new ArrayList<>();
    try {
      // 30 peers in 10 rooms and 10 connections that close at once (while they may be waiting their turn) all race
      List<Future<TestPeer>> connecting = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        connecting.add(TestPeer.connectAsync(vertx, gated.actualPort(), "/ws?roomId=r" + (i % 10) + "&ClientId=p" + i));
      }
      for (int i = 0; i < 40; i++) {
        TestPeer peer = connecting.get(i).await(10, TimeUnit.SECONDS);
        if (i >= 30) {
          peer.close();
        } else {
          peers.add(peer);
        }
      }
      for (int i = 0; i < 30; i++) {
        JsonObject welcome = peers.get(i).next("welcome");
        assertEquals("p" + i, welcome.getJsonObject("data").getString("id"));
        assertEquals("r" + (i % 10), welcome.getString("room"));
      }
      // no turn was lost to the peers that left while waiting: one more join still gets in, beside r3's three peers
      try (TestPeer late = TestPeer.connect(vertx, gated.actualPort(), "/ws?roomId=r3&ClientId=late")) {
        assertEquals(new JsonArray().add("p3").add("p13").add("p23"),
          late.next("welcome").getJsonObject("data").getJsonArray("peers"));
      }
    } finally {
      for (TestPeer peer : peers) {
        peer.close();
      }
      gated.undeploy().await(20, TimeUnit.SECONDS);
      vertx.close().await(20, TimeUnit.SECONDS);
    }
  }
}
