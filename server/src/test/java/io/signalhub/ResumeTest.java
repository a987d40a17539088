package io.signalhub;

import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryUpdatedListener;
import io.signalhub.verticles.HubOptions;
import io.signalhub.verticles.impl.Nodes;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Session resume (docs/protocol.md, "Resume") on two clustered nodes in one JVM, each with its own Hazelcast
 * member on loopback: a peer's link is cut by a {@link LinkCutter} (no closing handshake, as in a network
 * blink), and the peer reconnects to the other node with its resume token.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(LeakCheck.class)
class ResumeTest {

  /** Short enough for the past-the-grace case to be seen within {@link TestPeer#WAIT}. */
  private static final long GRACE_MS = 3_000;

  private final TestCluster cluster = new TestCluster();
  private Vertx node1;
  private Vertx node2;
  private int port1;
  private int port2;

  @BeforeAll
  void startTwoNodes() throws Exception {
    int[] ports = new int[2];
    Vertx[] nodes = new Vertx[2];
    for (int i = 0; i < 2; i++) {
      nodes[i] = cluster.startNode();
      SignalingHub hub = SignalingHub.create(nodes[i], options());
      hub.deploy(new HubServerOptions().setPort(0)).await(30, TimeUnit.SECONDS);
      ports[i] = hub.actualPort();
    }
    node1 = nodes[0];
    node2 = nodes[1];
    port1 = ports[0];
    port2 = ports[1];
  }

  private static HubOptions options() {
    // the streaming case sends 1,000 messages per second, more than the default rate limit allows
    return new HubOptions().setAnonymous(true).setResumeGraceMs(GRACE_MS).setRateLimitPerSecond(100_000)
      .setRateLimitBurst(10_000).setHoldMaxMessages(10_000).setHoldMaxBytes(16 << 20);
  }

  @AfterAll
  void stop() throws Exception {
    cluster.close();
  }

  @Test
  void aPeerCutOffMidNegotiationResumesOnTheOtherNodeWithNothingLostRepeatedOrSeenByTheRoom() throws Exception {
    try (TestPeer alice = TestPeer.join(node1, port1, "blink", "alice1"); LinkCutter link = LinkCutter.to(node2, port2)) {
      TestPeer bob = TestPeer.connect(node2, link.port(), "/ws?roomId=blink&ClientId=bob1");
      JsonObject welcome = bob.next("welcome").getJsonObject("data");
      String token = welcome.getString("resumeToken");
      assertNotNull(token, welcome.encode());
      assertFalse(welcome.getBoolean("resumed"));
      assertEquals(0L, welcome.getLong("seq"));
      alice.next("peer-joined");

      alice.send(TestPeer.offer("bob1", "v=0 offer"));
      JsonObject offer = bob.next("offer");
      long received = offer.getLong("seq");
      assertEquals(1L, received);

      link.cut();
      for (int i = 0; i < 8; i++) {
        alice.send(candidate("bob1", i)); // trickle ICE while bob is away (some may be written to the dead socket)
      }
      try (TestPeer bob2 = TestPeer.connect(node1, port1,
        "/ws?roomId=blink&ClientId=bob1&resume=" + token + "&received=" + received)) {
        JsonObject again = bob2.next("welcome").getJsonObject("data");
        assertTrue(again.getBoolean("resumed"), again.encode());
        assertEquals(new JsonArray().add("alice1"), again.getJsonArray("peers"));
        assertEquals(received, again.getLong("seq"));
        for (int i = 0; i < 8; i++) {
          JsonObject c = bob2.next("ice-candidate");
          assertEquals(i, c.getJsonObject("data").getInteger("n"), c.encode());
          assertEquals(received + 1 + i, c.getLong("seq"));
          assertEquals("alice1", c.getString("from"));
        }
        bob2.send(new JsonObject().put("type", "answer").put("to", "alice1")
          .put("data", new JsonObject().put("type", "answer").put("sdp", "v=0 answer")));
        // alice's very next frame is the answer: she was told neither peer-left nor peer-joined
        JsonObject answer = alice.next();
        assertEquals("answer", answer.getString("type"), answer.encode());
        assertEquals("bob1", answer.getString("from"));

        alice.send(candidate("bob1", 8));
        JsonObject last = bob2.next("ice-candidate");
        assertEquals(8, last.getJsonObject("data").getInteger("n"), "no candidate repeated: " + last.encode());
        assertEquals(received + 9, last.getLong("seq"));
      }
    }
  }

  @Test
  void pastTheGracePeriodTheRoomIsToldPeerLeftAndTheTokenNoLongerResumes() throws Exception {
    try (TestPeer alice = TestPeer.join(node1, port1, "gone", "alice2"); LinkCutter link = LinkCutter.to(node2, port2)) {
      TestPeer bob = TestPeer.connect(node2, link.port(), "/ws?roomId=gone&ClientId=bob2");
      String token = bob.next("welcome").getJsonObject("data").getString("resumeToken");
      alice.next("peer-joined");
      long cutAt = System.nanoTime();
      link.cut();
      JsonObject left = alice.next("peer-left");
      assertEquals("bob2", left.getJsonObject("data").getString("id"));
      long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - cutAt);
      assertTrue(waitedMs >= GRACE_MS, "peer-left came " + waitedMs + " ms after the cut, within the grace period");

      try (TestPeer late = TestPeer.connect(node1, port1, "/ws?roomId=gone&ClientId=bob2&resume=" + token + "&received=0")) {
        JsonObject welcome = late.next("welcome").getJsonObject("data");
        assertFalse(welcome.getBoolean("resumed"), welcome.encode());
        assertEquals("bob2", alice.next("peer-joined").getJsonObject("data").getString("id"));
      }
    }
  }

  @Test
  void theResumeTokenTakesAnOpenSessionOverAndAnyOtherTokenIsRefused() throws Exception {
    try (TestPeer alice = TestPeer.join(node1, port1, "twice", "alice3")) {
      TestPeer bob = TestPeer.connect(node2, port2, "/ws?roomId=twice&ClientId=bob3");
      String token = bob.next("welcome").getJsonObject("data").getString("resumeToken");
      alice.next("peer-joined");

      try (TestPeer impostor = TestPeer.connect(node1, port1, "/ws?roomId=twice&ClientId=bob3&resume=not-the-token")) {
        assertEquals("id-taken", impostor.next("error").getJsonObject("data").getString("code"));
      }
      try (TestPeer bob2 = TestPeer.connect(node1, port1, "/ws?roomId=twice&ClientId=bob3&resume=" + token + "&received=0")) {
        assertTrue(bob2.next("welcome").getJsonObject("data").getBoolean("resumed"));
        assertEquals(4101, bob.awaitClose());
        alice.send(TestPeer.offer("bob3", "v=0 to the new connection"));
        assertEquals("v=0 to the new connection", bob2.next("offer").getJsonObject("data").getString("sdp"));
        bob2.send(new JsonObject().put("type", "answer").put("to", "alice3").put("data", new JsonObject().put("sdp", "a")));
        JsonObject answer = alice.next(); // neither peer-left nor peer-joined came first
        assertEquals("answer", answer.getString("type"), answer.encode());
      }
    }
  }

  @Test
  void oneSendersStreamStaysInOrderWithoutGapsOrRepeatsWhenTheRecipientResumesOnTheSendersNode() throws Exception {
    int total = 3_000;
    try (TestPeer alice = TestPeer.join(node1, port1, "stream", "alice4"); LinkCutter link = LinkCutter.to(node2, port2)) {
      TestPeer bob = TestPeer.connect(node2, link.port(), "/ws?roomId=stream&ClientId=bob4");
      String token = bob.next("welcome").getJsonObject("data").getString("resumeToken");
      alice.next("peer-joined");

      // alice sends one numbered message per millisecond from a timer (bounded: 3,000 of them) while bob moves from
      // node2 to node1: the frames in flight go node1 -> node2 -> forwarded to node1, later ones go node1 -> node1
      AtomicInteger next = new AtomicInteger();
      long sender = node1.setPeriodic(1, id -> {
        int i = next.getAndIncrement();
        if (i < total) {
          alice.sendNoWait(candidate("bob4", i)); // one timer, one thread: sent in order
        }
      });
      List<Integer> got = new ArrayList<>();
      long lastSeq = 0;
      while (got.size() < 300) {
        JsonObject c = bob.next("ice-candidate");
        got.add(c.getJsonObject("data").getInteger("n"));
        lastSeq = c.getLong("seq");
      }
      link.cut();
      while (bob.pending() > 0) { // what reached bob before the cut
        JsonObject c = bob.next("ice-candidate");
        got.add(c.getJsonObject("data").getInteger("n"));
        lastSeq = c.getLong("seq");
      }
      try (TestPeer bob2 = TestPeer.connect(node1, port1,
        "/ws?roomId=stream&ClientId=bob4&resume=" + token + "&received=" + lastSeq)) {
        assertTrue(bob2.next("welcome").getJsonObject("data").getBoolean("resumed"));
        while (got.size() < total) {
          JsonObject c = bob2.next("ice-candidate");
          got.add(c.getJsonObject("data").getInteger("n"));
          assertEquals(++lastSeq, c.getLong("seq"), "seq continues across the resume");
        }
      } finally {
        node1.cancelTimer(sender);
      }
      for (int i = 0; i < total; i++) {
        assertEquals(i, got.get(i), "message " + i + " of alice's stream (order, no gap, no repeat)");
      }
    }
  }

  @Test
  void thePeersOfANodeStoppedGracefullyResumeOnOthersWithWhatWasSentToThemMeanwhile() throws Exception {
    Vertx node3 = cluster.startNode();
    SignalingHub hub3 = SignalingHub.create(node3, options());
    hub3.deploy(new HubServerOptions().setPort(0)).await(30, TimeUnit.SECONDS);
    int port3 = hub3.actualPort();
    try (TestPeer alice = TestPeer.join(node1, port1, "restart", "alice5"); LinkCutter link = LinkCutter.to(node3, port3)) {
      // bob's link stays up until the node stops; carol's is cut before, so she is suspended on node3
      TestPeer bob = TestPeer.connect(node3, port3, "/ws?roomId=restart&ClientId=bob5");
      String bobToken = bob.next("welcome").getJsonObject("data").getString("resumeToken");
      alice.next("peer-joined");
      TestPeer carol = TestPeer.connect(node3, link.port(), "/ws?roomId=restart&ClientId=carol5");
      String carolToken = carol.next("welcome").getJsonObject("data").getString("resumeToken");
      alice.next("peer-joined");
      long bobSeq = bob.next("peer-joined").getLong("seq");
      alice.send(TestPeer.offer("bob5", "v=0 to bob"));
      alice.send(TestPeer.offer("carol5", "v=0 to carol"));
      bobSeq = bob.next("offer").getLong("seq");
      long carolSeq = carol.next("offer").getLong("seq");

      link.cut();
      for (int i = 0; i < 4; i++) {
        alice.send(candidate("carol5", i));
      }
      hub3.undeploy().await(30, TimeUnit.SECONDS);
      assertEquals(1001, bob.awaitClose(), "bob is told the node goes away");
      cluster.stop(node3);
      for (int i = 0; i < 4; i++) {
        alice.send(candidate("bob5", i));
        alice.send(candidate("carol5", 4 + i));
      }

      try (TestPeer bob2 = TestPeer.connect(node2, port2, "/ws?roomId=restart&ClientId=bob5&resume=" + bobToken + "&received=" + bobSeq);
           TestPeer carol2 = TestPeer.connect(node1, port1, "/ws?roomId=restart&ClientId=carol5&resume=" + carolToken + "&received=" + carolSeq)) {
        assertTrue(bob2.next("welcome").getJsonObject("data").getBoolean("resumed"));
        assertTrue(carol2.next("welcome").getJsonObject("data").getBoolean("resumed"));
        for (int i = 0; i < 4; i++) {
          JsonObject c = bob2.next("ice-candidate");
          assertEquals(i, c.getJsonObject("data").getInteger("n"), c.encode());
          assertEquals(++bobSeq, c.getLong("seq"));
        }
        for (int i = 0; i < 8; i++) {
          JsonObject c = carol2.next("ice-candidate");
          assertEquals(i, c.getJsonObject("data").getInteger("n"), c.encode());
          assertEquals(++carolSeq, c.getLong("seq"));
        }
        bob2.send(new JsonObject().put("type", "answer").put("to", "alice5").put("data", new JsonObject().put("sdp", "b")));
        JsonObject first = alice.next(); // no peer-left (node-stopped) came for either
        assertEquals("answer", first.getString("type"), first.encode());
        carol2.send(new JsonObject().put("type", "answer").put("to", "alice5").put("data", new JsonObject().put("sdp", "c")));
        assertEquals("carol5", alice.next("answer").getString("from"));
      }
    }
  }

  @Test
  void aReconnectWithoutTheTokenReplacesTheSuspendedSessionAndTheRoomSeesItLeaveAndJoin() throws Exception {
    try (TestPeer alice = TestPeer.join(node1, port1, "fresh", "alice6"); LinkCutter link = LinkCutter.to(node2, port2)) {
      TestPeer bob = TestPeer.connect(node2, link.port(), "/ws?roomId=fresh&ClientId=bob6");
      bob.next("welcome");
      alice.next("peer-joined");
      // the directory marks the claim suspended once node2 has seen the link drop: wait for that write
      CompletableFuture<String> suspended = new CompletableFuture<>();
      IMap<String, String> peers = ((HazelcastClusterManager) Nodes.clusterManager(node1)).getHazelcastInstance().getMap("signalhub.peers");
      UUID listener = peers.addEntryListener((EntryUpdatedListener<String, String>) e -> {
        if (e.getValue().endsWith("|s")) {
          suspended.complete(e.getValue());
        }
      }, "bob6", true);
      link.cut();
      suspended.get(10, TimeUnit.SECONDS);
      peers.removeEntryListener(listener);
      TestPeer again = TestPeer.connect(node1, port1, "/ws?roomId=fresh&ClientId=bob6");
      JsonObject first = again.next("welcome");
      assertFalse(first.getJsonObject("data").getBoolean("resumed"));
      try (TestPeer bob2 = again) {
        JsonObject left = alice.next("peer-left").getJsonObject("data");
        assertEquals("bob6", left.getString("id"));
        assertEquals("disconnected", left.getString("reason"));
        assertEquals("bob6", alice.next("peer-joined").getJsonObject("data").getString("id"));
        alice.send(TestPeer.offer("bob6", "v=0 afresh"));
        assertEquals("v=0 afresh", bob2.next("offer").getJsonObject("data").getString("sdp"));
      }
    }
  }

  @Test
  void aSeedDialectPeerThatCannotResumeLeavesAtOnceWhenItsLinkDrops() throws Exception {
    try (TestPeer alice = TestPeer.join(node1, port1, "seeds", "alice7"); LinkCutter link = LinkCutter.to(node2, port2)) {
      TestPeer simplePeer = TestPeer.connect(node2, link.port(), "/ws?roomId=seeds");
      simplePeer.send(new JsonObject().put("type", "hello").put("id", "sp7")); // seed 000: no welcome, no token
      assertEquals("sp7", alice.next("peer-joined").getJsonObject("data").getString("id"));
      long cutAt = System.nanoTime();
      link.cut();
      JsonObject left = alice.next("peer-left").getJsonObject("data");
      assertEquals("sp7", left.getString("id"));
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - cutAt);
      assertTrue(ms < GRACE_MS, "peer-left came only after " + ms + " ms: the seed client was held for a resume it cannot make");
    }
  }

  @Test
  void aResumeIntoAnotherRoomLeavesTheOldRoomAndJoinsAfresh() throws Exception {
    try (TestPeer alice = TestPeer.join(node1, port1, "old8", "alice8"); TestPeer carol = TestPeer.join(node1, port1, "new8", "carol8");
         LinkCutter link = LinkCutter.to(node2, port2)) {
      TestPeer bob = TestPeer.connect(node2, link.port(), "/ws?roomId=old8&ClientId=bob8");
      String token = bob.next("welcome").getJsonObject("data").getString("resumeToken");
      alice.next("peer-joined");
      link.cut();
      alice.send(TestPeer.offer("bob8", "v=0 for the old room"));
      try (TestPeer bob2 = TestPeer.connect(node1, port1, "/ws?roomId=new8&ClientId=bob8&resume=" + token + "&received=0")) {
        JsonObject welcome = bob2.next("welcome").getJsonObject("data");
        assertFalse(welcome.getBoolean("resumed"), welcome.encode());
        assertEquals(new JsonArray().add("carol8"), welcome.getJsonArray("peers"));
        assertEquals("bob8", alice.next("peer-left").getJsonObject("data").getString("id"));
        assertEquals("bob8", carol.next("peer-joined").getJsonObject("data").getString("id"));
        carol.send(TestPeer.offer("bob8", "v=0 in the new room"));
        JsonObject offer = bob2.next("offer"); // nothing of the old room came first
        assertEquals("v=0 in the new room", offer.getJsonObject("data").getString("sdp"), offer.encode());
      }
    }
  }

  @Test
  void aLinkThatDropsAgainWhileResumingLeavesTheSessionResumable() throws Exception {
    try (TestPeer alice = TestPeer.join(node1, port1, "twice9", "alice9");
         LinkCutter first = LinkCutter.to(node2, port2); LinkCutter second = LinkCutter.to(node1, port1)) {
      TestPeer bob = TestPeer.connect(node2, first.port(), "/ws?roomId=twice9&ClientId=bob9");
      String token = bob.next("welcome").getJsonObject("data").getString("resumeToken");
      alice.next("peer-joined");
      first.cut();
      alice.send(candidate("bob9", 0));
      // the second connection's link drops at once, wherever its resume has got to
      TestPeer.connect(node1, second.port(), "/ws?roomId=twice9&ClientId=bob9&resume=" + token + "&received=0");
      second.cut();
      alice.send(candidate("bob9", 1));
      // a third connection resumes, whether the second's resume was done, half done or not begun when it dropped
      TestPeer bob3 = TestPeer.connect(node2, port2, "/ws?roomId=twice9&ClientId=bob9&resume=" + token + "&received=0");
      JsonObject welcome = bob3.next("welcome").getJsonObject("data");
      assertTrue(welcome.getBoolean("resumed"), welcome.encode());
      try (TestPeer resumed = bob3) {
        for (int i = 0; i < 2; i++) {
          assertEquals(i, resumed.next("ice-candidate").getJsonObject("data").getInteger("n"));
        }
        resumed.send(new JsonObject().put("type", "answer").put("to", "alice9").put("data", new JsonObject().put("sdp", "a")));
        JsonObject next = alice.next(); // no peer-left came first
        assertEquals("answer", next.getString("type"), next.encode());
      }
    }
  }

  /**
   * Three streams (alice on node1 to bob, bob back to alice, dave to bob; bob and dave on node3) run while node3
   * stops gracefully, and bob and dave resume the moment they see the 1001: on node2 and node1, while the adopting
   * nodes may still wait for the fences of the routers that delivered to node3. Every stream arrives whole, in
   * order and once, including what bob and dave wrote to node3 until its close frame reached them.
   */
  @Test
  void streamsToAndFromPeersOfANodeStoppedGracefullyStayWholeAndInOrderWhenTheyResumeAtOnce() throws Exception {
    int total = 1_500;
    Vertx node3 = cluster.startNode();
    SignalingHub hub3 = SignalingHub.create(node3, options());
    hub3.deploy(new HubServerOptions().setPort(0)).await(30, TimeUnit.SECONDS);
    int port3 = hub3.actualPort();
    // the clients' sockets and the timer that writes the streams share one event loop, as in a browser
    Context clients = node1.getOrCreateContext();
    TestPeer alice = TestPeer.connectOn(clients, port1, "/ws?roomId=drain&ClientId=alice9");
    AtomicReference<TestPeer> bob = new AtomicReference<>();
    AtomicReference<TestPeer> dave = new AtomicReference<>();
    long[] sender = {-1};
    try {
      alice.next("welcome");
      bob.set(TestPeer.connectOn(clients, port3, "/ws?roomId=drain&ClientId=bob9"));
      String bobToken = bob.get().next("welcome").getJsonObject("data").getString("resumeToken");
      alice.next("peer-joined");
      dave.set(TestPeer.connectOn(clients, port3, "/ws?roomId=drain&ClientId=dave9"));
      JsonObject daveWelcome = dave.get().next("welcome").getJsonObject("data");
      alice.next("peer-joined");
      bob.get().next("peer-joined");

      // each stream is numbered by what its client wrote: a socket the hub closed takes nothing until its peer resumed
      int[] next = new int[3];
      clients.runOnContext(v -> sender[0] = node1.setPeriodic(1, id -> {
        next[0] = write(alice, "bob9", next[0], total);
        next[1] = write(bob.get(), "alice9", next[1], total);
        next[2] = write(dave.get(), "bob9", next[2], total);
      }));
      Stream toBob = new Stream();
      Stream fromDave = new Stream();
      while (toBob.got.size() < 200) {
        take(bob.get(), toBob, fromDave);
      }
      Future<Void> stopped = hub3.undeploy();

      assertEquals(1001, bob.get().awaitClose(), "bob is told the node goes away");
      long bobReceived = drain(bob.get(), toBob, fromDave);
      TestPeer bob2 = TestPeer.connectOn(clients, port2, "/ws?roomId=drain&ClientId=bob9&resume=" + bobToken + "&received=" + bobReceived);
      assertTrue(bob2.next("welcome").getJsonObject("data").getBoolean("resumed"));
      toBob.checkSeq = true;
      bob.set(bob2);
      assertEquals(1001, dave.get().awaitClose(), "dave is told the node goes away");
      long daveReceived = drain(dave.get(), daveWelcome.getLong("seq"));
      TestPeer dave2 = TestPeer.connectOn(clients, port1, "/ws?roomId=drain&ClientId=dave9&resume="
        + daveWelcome.getString("resumeToken") + "&received=" + daveReceived);
      assertTrue(dave2.next("welcome").getJsonObject("data").getBoolean("resumed"));
      dave.set(dave2);

      while (toBob.got.size() < total || fromDave.got.size() < total) {
        take(bob.get(), toBob, fromDave);
      }
      List<Integer> toAlice = new ArrayList<>();
      while (toAlice.size() < total) {
        JsonObject c = alice.next("ice-candidate");
        assertEquals("bob9", c.getString("from"), c.encode());
        toAlice.add(c.getJsonObject("data").getInteger("n"));
      }
      stopped.await(30, TimeUnit.SECONDS);
      for (int i = 0; i < total; i++) {
        assertEquals(i, toBob.got.get(i), "message " + i + " of alice's stream to bob (order, no gap, no repeat)");
        assertEquals(i, fromDave.got.get(i), "message " + i + " of dave's stream to bob, across both moves");
        assertEquals(i, toAlice.get(i), "message " + i + " of bob's stream to alice, across his move");
      }
    } finally {
      clients.runOnContext(v -> node1.cancelTimer(sender[0]));
      alice.close();
      for (AtomicReference<TestPeer> peer : List.of(bob, dave)) {
        if (peer.get() != null) {
          peer.get().close();
        }
      }
      cluster.stop(node3);
    }
  }

  /** What bob got of one stream, and the {@code seq} of the last frame he got. */
  private static final class Stream {
    final List<Integer> got = new ArrayList<>();
    long lastSeq;
    boolean checkSeq;
  }

  /** Writes message {@code n} of a stream to {@code to}, unless the stream is done or the socket closing; the next n. */
  private static int write(TestPeer from, String to, int n, int total) {
    return n < total && from.sendIfOpen(candidate(to, n)) ? n + 1 : n;
  }

  /** Takes bob's next frame, of alice's stream or dave's; after his resume, its seq must follow the last one. */
  private static void take(TestPeer bob, Stream fromAlice, Stream fromDave) throws InterruptedException {
    JsonObject c = bob.next("ice-candidate");
    Stream stream = "alice9".equals(c.getString("from")) ? fromAlice : fromDave;
    stream.got.add(c.getJsonObject("data").getInteger("n"));
    if (fromAlice.checkSeq) {
      assertEquals(++fromAlice.lastSeq, c.getLong("seq"), "seq continues across the resume");
    } else {
      fromAlice.lastSeq = c.getLong("seq");
    }
  }

  /** Takes what reached bob before his close; the {@code seq} to resume from. */
  private static long drain(TestPeer bob, Stream fromAlice, Stream fromDave) throws InterruptedException {
    while (bob.pending() > 0) {
      take(bob, fromAlice, fromDave);
    }
    return fromAlice.lastSeq;
  }

  /** Takes what reached a peer before its close; the {@code seq} to resume from ({@code seq} if nothing did). */
  private static long drain(TestPeer peer, long seq) throws InterruptedException {
    while (peer.pending() > 0) {
      seq = peer.next().getLong("seq", seq);
    }
    return seq;
  }

  private static JsonObject candidate(String to, int n) {
    return new JsonObject().put("type", "ice-candidate").put("to", to).put("data", new JsonObject().put("n", n)
      .put("candidate", "candidate:" + n + " 1 udp 2122260223 127.0.0.1 " + (50_000 + n) + " typ host").put("sdpMid", "0"));
  }
}
