package io.signalhub;

import io.signalhub.HubServerOptions;
import io.signalhub.verticles.HubOptions;
import io.signalhub.verticles.impl.HubMetrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
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
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Churn as a new user tries it: rounds of rooms whose two peers join, signal and leave, on two clustered
 * nodes (both peers on one node, or one on each), the two leaving at the same time. Once every peer has left,
 * each node's {@code signalhub_rooms} is back to 0 (its router's view keeps no room whose members all left),
 * and nothing else is left behind ({@link LeakCheck}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(LeakCheck.class)
class RoomChurnTest {

  private static final int ROUNDS = 3;
  private static final int ROOMS = 60;
  private static final int BATCH = 10;

  private final TestCluster cluster = new TestCluster();
  private final Vertx[] nodes = new Vertx[2];
  private final int[] ports = new int[2];

  @BeforeAll
  void startTwoNodes() throws Exception {
    for (int i = 0; i < 2; i++) {
      nodes[i] = cluster.startNode();
      // a shared CI machine can be slow to join: this test is about what is left, not how fast joins are
      SignalingHub hub = SignalingHub.create(nodes[i], new HubOptions().setAnonymous(true).setRequestTimeoutMs(30_000));
      hub.deploy(new HubServerOptions().setPort(0)).await(30, TimeUnit.SECONDS);
      ports[i] = hub.actualPort();
    }
  }

  @AfterAll
  void stop() throws Exception {
    cluster.close();
  }

  @Test
  void roomsWhosePeersAllLeftAreNotCountedAfterRoundsOfChurn() throws Exception {
    for (int round = 0; round < ROUNDS; round++) {
      List<TestPeer> peers = new ArrayList<>();
      for (int batch = 0; batch < ROOMS; batch += BATCH) { // joins in batches: a cold JVM on two cores is slow
        List<Future<TestPeer>> connecting = new ArrayList<>();
        for (int r = batch; r < batch + BATCH; r++) {
          String room = "churn" + round + "x" + r;
          // rooms 0 mod 3 on node 1, 1 mod 3 on node 2, 2 mod 3 across the two
          int nodeA = r % 3 == 1 ? 1 : 0;
          int nodeB = r % 3 == 0 ? 0 : 1;
          connecting.add(TestPeer.connectAsync(nodes[nodeA], ports[nodeA], "/ws?roomId=" + room + "&ClientId=a" + room));
          connecting.add(TestPeer.connectAsync(nodes[nodeB], ports[nodeB], "/ws?roomId=" + room + "&ClientId=b" + room));
        }
        Future.all(connecting).await(60, TimeUnit.SECONDS);
        for (Future<TestPeer> f : connecting) {
          next(f.result(), "welcome");
          peers.add(f.result());
        }
      }
      // signal: a offers (held if b has not joined yet), b answers
      for (int r = 0; r < ROOMS; r++) {
        peers.get(2 * r).sendNoWait(TestPeer.offer("b" + "churn" + round + "x" + r, "v=0 offer"));
      }
      for (int r = 0; r < ROOMS; r++) {
        next(peers.get(2 * r + 1), "offer");
        peers.get(2 * r + 1).sendNoWait(new JsonObject().put("type", "answer").put("to", "a" + "churn" + round + "x" + r)
          .put("data", new JsonObject().put("type", "answer").put("sdp", "v=0 answer")));
      }
      for (int r = 0; r < ROOMS; r++) {
        next(peers.get(2 * r), "answer");
      }
      // both peers of a room leave at once: odd rounds with a leave frame each, even rounds by closing
      List<Future<?>> leaving = new ArrayList<>();
      for (TestPeer peer : peers) {
        if (round % 2 == 1) {
          peer.sendNoWait(new JsonObject().put("type", "leave"));
        } else {
          leaving.add(peer.closeAsync());
        }
      }
      Future.join(leaving).await(30, TimeUnit.SECONDS);
      if (round % 2 == 1) {
        for (TestPeer peer : peers) {
          next(peer, "left");
        }
        for (TestPeer peer : peers) {
          peer.close();
        }
      }
      int finished = round + 1;
      List<String> counted = LeakCheck.awaitEmpty(nodes[0], () -> {
        List<String> left = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
          int rooms = HubMetrics.of(nodes[i]).rooms();
          if (rooms != 0) {
            left.add("node " + (i + 1) + ": signalhub_rooms " + rooms);
          }
        }
        return Future.succeededFuture(left);
      }, 10_000);
      if (!counted.isEmpty()) {
        fail("after round " + finished + " every peer left, but " + counted);
      }
    }
  }

  /** The next frame of {@code type}, past the {@code peer-joined} / {@code peer-left} of the room's other peer. */
  private static JsonObject next(TestPeer peer, String type) throws InterruptedException {
    while (true) {
      JsonObject frame = peer.next();
      String t = frame.getString("type");
      if (type.equals(t)) {
        return frame;
      }
      assertEquals(true, "peer-joined".equals(t) || "peer-left".equals(t), "unexpected " + frame.encode());
    }
  }
}
