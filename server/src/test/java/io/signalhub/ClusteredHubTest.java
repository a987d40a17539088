package io.signalhub;

import io.signalhub.verticles.HubOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Three hub nodes in one JVM, each a clustered Vertx with its own Hazelcast member on loopback (random
 * cluster name): peers on different nodes signal each other through the clustered event bus, and joins
 * that race on several nodes keep the room capacity and the uniqueness of peer ids.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(LeakCheck.class)
class ClusteredHubTest {

  private final TestCluster cluster = new TestCluster();
  private static final int CAPACITY = 4;

  private Vertx node1;
  private Vertx node2;
  private int port1;
  private int port2;
  private final int[] ports = new int[3];

  @BeforeAll
  void startThreeNodes() throws Exception {
    for (int i = 0; i < 3; i++) {
      Vertx node = cluster.startNode();
      // the ordering test sends 10,000 messages as fast as it can: far over the default rate limit
      SignalingHub hub = SignalingHub.create(node, new HubOptions().setAnonymous(true).setRoomCapacity(CAPACITY).setHoldMs(300)
        .setRateLimitPerSecond(1_000_000).setRateLimitBurst(20_000).setMaxQueuedBytes(64 << 20));
      hub.deploy(new HubServerOptions().setPort(0)).await(30, TimeUnit.SECONDS);
      ports[i] = hub.actualPort();
      if (i == 0) {
        node1 = node;
      } else if (i == 1) {
        node2 = node;
      }
    }
    port1 = ports[0];
    port2 = ports[1];
  }

  @Test
  void joinsRacingOnThreeNodesAdmitExactlyTheRoomCapacity() throws Exception {
    List<Future<TestPeer>> connecting = new ArrayList<>();
    for (int i = 0; i < 3 * CAPACITY; i++) {
      connecting.add(TestPeer.connectAsync(node1, ports[i % 3], "/ws?roomId=race&ClientId=racer" + i));
    }
    Future.all(connecting).await(30, TimeUnit.SECONDS);
    int admitted = 0;
    int refused = 0;
    List<TestPeer> all = new ArrayList<>();
    for (Future<TestPeer> f : connecting) {
      TestPeer peer = f.result();
      all.add(peer);
      JsonObject first = peer.next();
      if ("welcome".equals(first.getString("type"))) {
        admitted++;
      } else {
        assertEquals("room-full", first.getJsonObject("data").getString("code"), first.encode());
        refused++;
      }
    }
    assertEquals(CAPACITY, admitted);
    assertEquals(2 * CAPACITY, refused);
    for (TestPeer peer : all) {
      peer.close();
    }
  }

  @Test
  void theSameIdJoiningOnTwoNodesAtOnceIsAdmittedOnce() throws Exception {
    for (int round = 0; round < 10; round++) {
      Future<TestPeer> one = TestPeer.connectAsync(node1, ports[round % 3], "/ws?roomId=twins" + round + "&ClientId=twin" + round);
      Future<TestPeer> two = TestPeer.connectAsync(node1, ports[(round + 1) % 3], "/ws?roomId=twins" + round + "&ClientId=twin" + round);
      Future.all(one, two).await(30, TimeUnit.SECONDS);
      List<String> outcomes = new ArrayList<>();
      for (TestPeer peer : List.of(one.result(), two.result())) {
        JsonObject first = peer.next();
        outcomes.add("welcome".equals(first.getString("type")) ? "welcome" : first.getJsonObject("data").getString("code"));
      }
      outcomes.sort(null);
      assertEquals(List.of("id-taken", "welcome"), outcomes, "round " + round);
      one.result().close();
      two.result().close();
    }
  }

  @Test
  void tenThousandMessagesFromNodeOneToNodeTwoArriveCompleteAndInOrder() throws Exception {
    int n = 10_000;
    try (TestPeer a = TestPeer.join(node1, port1, "order", "sender");
         TestPeer b = TestPeer.join(node2, port2, "order", "receiver")) {
      a.next("peer-joined");
      for (int i = 0; i < n; i++) {
        a.sendNoWait(new JsonObject().put("type", "ice-candidate").put("to", "receiver")
          .put("data", new JsonObject().put("candidate", "candidate:" + i + " 1 udp 2122260223 127.0.0.1 9 typ host").put("seq", i)));
      }
      for (int i = 0; i < n; i++) {
        assertEquals(i, b.next("ice-candidate").getJsonObject("data").getInteger("seq"));
      }
      assertEquals(0, b.pending(), "no duplicates");
    }
  }

  @AfterAll
  void stop() throws Exception {
    cluster.close();
  }

  @Test
  void peersOnTwoNodesExchangeOfferAnswerAndIceCandidatesBothWays() throws Exception {
    try (TestPeer a = TestPeer.join(node1, port1, "cross", "peerA")) {
      TestPeer b = TestPeer.connect(node2, port2, "/ws?roomId=cross&ClientId=peerB");
      JsonObject welcome = b.next("welcome");
      assertEquals(new JsonArray().add("peerA"), welcome.getJsonObject("data").getJsonArray("peers"));
      assertEquals("peerB", a.next("peer-joined").getJsonObject("data").getString("id"));

      a.send(TestPeer.offer("peerB", "v=0 offer from A").put("from", "mallory"));
      JsonObject offer = b.next("offer");
      assertEquals("peerA", offer.getString("from"));
      assertEquals("cross", offer.getString("room"));
      assertEquals("v=0 offer from A", offer.getJsonObject("data").getString("sdp"));

      b.send(new JsonObject().put("type", "answer").put("to", "peerA")
        .put("data", new JsonObject().put("type", "answer").put("sdp", "v=0 answer from B")));
      assertEquals("v=0 answer from B", a.next("answer").getJsonObject("data").getString("sdp"));

      int n = 200;
      for (int i = 0; i < n; i++) {
        JsonObject c = new JsonObject().put("candidate", "candidate:" + i + " 1 udp 1 127.0.0.1 " + (40000 + i) + " typ host")
          .put("sdpMid", "0").put("sdpMLineIndex", 0);
        a.send(new JsonObject().put("type", "ice-candidate").put("to", "peerB").put("data", c));
        b.send(new JsonObject().put("type", "ice-candidate").put("to", "peerA").put("data", c));
      }
      for (int i = 0; i < n; i++) {
        assertEquals("candidate:" + i + " 1 udp 1 127.0.0.1 " + (40000 + i) + " typ host",
          b.next("ice-candidate").getJsonObject("data").getString("candidate"), "in order, A to B");
        JsonObject fromB = a.next("ice-candidate");
        assertEquals("peerB", fromB.getString("from"));
        assertEquals("candidate:" + i + " 1 udp 1 127.0.0.1 " + (40000 + i) + " typ host",
          fromB.getJsonObject("data").getString("candidate"), "in order, B to A");
      }

      b.close();
      JsonObject left = a.next("peer-left");
      assertEquals("peerB", left.getJsonObject("data").getString("id"));
      assertEquals("disconnected", left.getJsonObject("data").getString("reason"));
    }
  }

  @Test
  void aRoomBroadcastReachesMembersOnBothNodesAndNoOneElse() throws Exception {
    try (TestPeer a = TestPeer.join(node1, port1, "bcast", "a1");
         TestPeer b = TestPeer.join(node2, port2, "bcast", "b2");
         TestPeer c = TestPeer.join(node1, port1, "bcast", "c1");
         TestPeer other = TestPeer.join(node2, port2, "elsewhere", "o2")) {
      // b knows of c once told so: a broadcast sent after that reaches c, whichever node c is on
      assertEquals("c1", b.next("peer-joined").getJsonObject("data").getString("id"));
      b.send(new JsonObject().put("type", "offer").put("data", new JsonObject().put("sdp", "to all")));
      a.next("peer-joined");
      a.next("peer-joined");
      for (TestPeer p : new TestPeer[]{a, c}) {
        JsonObject offer = p.next("offer");
        assertEquals("b2", offer.getString("from"));
        assertFalse(offer.containsKey("to"));
      }
      other.send(TestPeer.offer("a1", "across rooms"));
      assertEquals("expired", other.next("error").getJsonObject("data").getString("code"), "held for its room, never delivered");
      c.send(TestPeer.offer("a1", "next"));
      assertEquals("next", a.next("offer").getJsonObject("data").getString("sdp"), "a got nothing from o2");
    }
  }

  @Test
  void aPeerIdIsUniqueAcrossTheCluster() throws Exception {
    try (TestPeer first = TestPeer.join(node1, port1, "ids", "unique");
         TestPeer witness = TestPeer.join(node2, port2, "ids", "witness");
         TestPeer second = TestPeer.connect(node2, port2, "/ws?roomId=ids&ClientId=unique")) {
      first.next("peer-joined"); // witness
      assertEquals("id-taken", second.next("error").getJsonObject("data").getString("code"));

      // the refused connection is in no room: what it sends is refused, not relayed to the room
      second.send(TestPeer.offer("witness", "from the refused twin"));
      assertEquals("not-joined", second.next("error").getJsonObject("data").getString("code"),
        "the refused connection never joined the room");

      // a message to "unique" reaches the first connection, and the refused one gets nothing
      witness.send(TestPeer.offer("unique", "for the first"));
      assertEquals("for the first", first.next("offer").getJsonObject("data").getString("sdp"));
      // the room heard nothing of the refused join (no peer-joined, no peer-left, no offer from it): the
      // next frame witness gets is this marker
      first.send(TestPeer.offer("witness", "marker"));
      JsonObject next = witness.next();
      assertEquals("marker", next.getJsonObject("data", new JsonObject()).getString("sdp"), next.encode());

      // a newcomer on the third node sees "unique" once among the room's peers
      try (TestPeer late = TestPeer.connect(node1, ports[2], "/ws?roomId=ids&ClientId=late")) {
        assertEquals(new JsonArray().add("unique").add("witness"),
          late.next("welcome").getJsonObject("data").getJsonArray("peers"));
      }
    }
  }
}
