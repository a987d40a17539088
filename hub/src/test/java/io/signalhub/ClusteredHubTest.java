package io.signalhub;

import io.signalhub.verticles.HubOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Two hub nodes in one JVM, each a clustered Vertx with its own Hazelcast member on loopback (random
 * cluster name): peers on different nodes signal each other through the clustered event bus.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClusteredHubTest {

  private final TestCluster cluster = new TestCluster();
  private Vertx node1;
  private Vertx node2;
  private int port1;
  private int port2;

  @BeforeAll
  void startTwoNodes() throws Exception {
    node1 = cluster.startNode();
    node2 = cluster.startNode();
    SignalingHub hub1 = SignalingHub.create(node1, new HubOptions().setPort(0));
    SignalingHub hub2 = SignalingHub.create(node2, new HubOptions().setPort(0));
    hub1.deploy().await(30, TimeUnit.SECONDS);
    hub2.deploy().await(30, TimeUnit.SECONDS);
    port1 = hub1.actualPort();
    port2 = hub2.actualPort();
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
      assertEquals("not-in-room", other.next("error").getJsonObject("data").getString("code"));
      c.send(TestPeer.offer("a1", "next"));
      assertEquals("next", a.next("offer").getJsonObject("data").getString("sdp"), "a got nothing from o2");
    }
  }

  @Test
  void aPeerIdIsUniqueAcrossTheCluster() throws Exception {
    try (TestPeer first = TestPeer.join(node1, port1, "ids", "unique");
         TestPeer second = TestPeer.connect(node2, port2, "/ws?roomId=ids&ClientId=unique")) {
      assertEquals("id-taken", second.next("error").getJsonObject("data").getString("code"));
      first.send(TestPeer.offer("unique", "x"));
      assertEquals("not-in-room", first.next("error").getJsonObject("data").getString("code"),
        "the refused connection never joined the room");
    }
  }
}
