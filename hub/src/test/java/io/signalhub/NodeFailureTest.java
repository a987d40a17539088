package io.signalhub;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three hub nodes in three separate JVMs (the standalone launcher, clustered on loopback with a random
 * cluster name). One is killed with {@code kill -9}: every peer on the survivors that shared a room with its
 * peers is told {@code peer-left} (reason {@code node-failed}) within 5 s, and no membership of the dead
 * node remains. Then one is stopped with SIGTERM: its peers are closed with 1001 and their rooms are told
 * {@code peer-left} (reason {@code node-stopped}) at once, without waiting for failure detection.
 */
class NodeFailureTest {

  private static final int ROOMS = 4;
  private static final long DETECTION_LIMIT_MS = 5_000;

  private final List<NodeProcess> nodes = new ArrayList<>();
  private final List<TestPeer> peers = new ArrayList<>();
  private Vertx clients;

  @BeforeEach
  void startThreeNodes(@TempDir Path dir) throws Exception {
    Path config = NodeProcess.clusterConfig(dir, 3);
    for (int i = 0; i < 3; i++) {
      nodes.add(NodeProcess.start(config));
    }
    assertEquals(3, nodes.get(2).membersAtStart(), nodes.get(2).output());
    clients = Vertx.vertx();
  }

  @AfterEach
  void stopAll() throws Exception {
    for (TestPeer peer : peers) {
      try {
        peer.close();
      } catch (Exception closedByHub) {
        // the hub closed it
      }
    }
    clients.close().await(30, TimeUnit.SECONDS);
    for (NodeProcess node : nodes) {
      node.close();
    }
  }

  /** Peer {@code p<room>n<node>} of room {@code r<room>} on node {@code node} (1-based). */
  private TestPeer[][] joinRoomsAcrossNodes() throws Exception {
    TestPeer[][] byRoom = new TestPeer[ROOMS][3];
    for (int r = 0; r < ROOMS; r++) {
      for (int n = 0; n < 3; n++) {
        byRoom[r][n] = TestPeer.join(clients, nodes.get(n).port(), "r" + r, "p" + r + "n" + (n + 1));
        peers.add(byRoom[r][n]);
      }
      // everyone hears of everyone who joined after them
      byRoom[r][0].next("peer-joined");
      byRoom[r][0].next("peer-joined");
      byRoom[r][1].next("peer-joined");
    }
    return byRoom;
  }

  @Test
  void killingANodeTellsEverySurvivingRoomMemberWithinSeconds() throws Exception {
    TestPeer[][] byRoom = joinRoomsAcrossNodes();

    long killed = System.nanoTime();
    nodes.get(2).kill();
    long slowest = 0;
    for (int r = 0; r < ROOMS; r++) {
      for (int n = 0; n < 2; n++) {
        JsonObject left = byRoom[r][n].next("peer-left");
        long ms = TimeUnit.NANOSECONDS.toMillis(byRoom[r][n].receivedAt(left) - killed);
        slowest = Math.max(slowest, ms);
        assertEquals("p" + r + "n3", left.getJsonObject("data").getString("id"));
        assertEquals("node-failed", left.getJsonObject("data").getString("reason"));
        assertEquals("r" + r, left.getString("room"));
      }
    }
    System.out.println("kill -9 to the last peer-left on the survivors: " + slowest + " ms");
    assertTrue(slowest <= DETECTION_LIMIT_MS, "peer-left after " + slowest + " ms");

    // no membership of the dead node remains: newcomers see only the survivors, and its ids are free again
    for (int r = 0; r < ROOMS; r++) {
      TestPeer late = TestPeer.connect(clients, nodes.get(r % 2).port(), "/ws?roomId=r" + r + "&ClientId=late" + r);
      peers.add(late);
      JsonArray present = late.next("welcome").getJsonObject("data").getJsonArray("peers");
      assertEquals(new JsonArray().add("p" + r + "n1").add("p" + r + "n2"), present);
      TestPeer reborn = TestPeer.connect(clients, nodes.get(1).port(), "/ws?roomId=new" + r + "&ClientId=p" + r + "n3");
      peers.add(reborn);
      assertEquals("p" + r + "n3", reborn.next("welcome").getJsonObject("data").getString("id"));
    }
    // and the survivors still signal each other across nodes
    byRoom[0][1].next("peer-joined"); // late0
    byRoom[0][0].send(TestPeer.offer("p0n2", "after the crash"));
    assertEquals("after the crash", byRoom[0][1].next("offer").getJsonObject("data").getString("sdp"));
  }

  @Test
  void stoppingANodeGracefullyClosesItsPeersWith1001AndTellsTheirRoomsAtOnce() throws Exception {
    TestPeer[][] byRoom = joinRoomsAcrossNodes();

    long stopped = System.nanoTime();
    int exit = nodes.get(2).terminate();
    assertTrue(exit == 0 || exit == 143, "exit " + exit + " (143 = 128 + SIGTERM, the JVM's code after its shutdown hooks)\n"
      + nodes.get(2).output());
    assertTrue(nodes.get(2).output().contains("closing " + ROOMS + " peer connection(s) with 1001"), nodes.get(2).output());
    long slowest = 0;
    Set<String> gone = new HashSet<>();
    for (int r = 0; r < ROOMS; r++) {
      assertEquals(1001, byRoom[r][2].awaitClose());
      for (int n = 0; n < 2; n++) {
        JsonObject left = byRoom[r][n].next("peer-left");
        slowest = Math.max(slowest, TimeUnit.NANOSECONDS.toMillis(byRoom[r][n].receivedAt(left) - stopped));
        assertEquals("node-stopped", left.getJsonObject("data").getString("reason"));
        gone.add(left.getJsonObject("data").getString("id"));
      }
    }
    assertEquals(ROOMS, gone.size());
    System.out.println("SIGTERM to the last peer-left on the survivors: " + slowest + " ms");
  }
}
