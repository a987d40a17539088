package io.signalhub;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.listener.EntryRemovedListener;
import io.signalhub.verticles.HubEvent;
import io.signalhub.verticles.HubOptions;
import io.signalhub.HubServerOptions;
import io.signalhub.verticles.impl.Member;
import io.signalhub.verticles.impl.Nodes;
import io.signalhub.verticles.impl.RoomState;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.VertxTestContext;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The reconciler removes what a missed membership event left behind: a room member and a claimed id of a
 * node that is not in the cluster (here written straight into the Hazelcast maps before the hub starts).
 */
class ReconcilerTest {

  @Test
  void membersAndIdsOfANodeThatIsGoneAreRemovedAtStart() throws Exception {
    TestCluster cluster = new TestCluster();
    try {
      Vertx node = cluster.startNode();
      HazelcastInstance hz = ((HazelcastClusterManager) Nodes.clusterManager(node)).getHazelcastInstance();
      String ghost = Member.of("a-node-that-crashed-unnoticed", "epoch1");
      hz.getMap("signalhub.rooms").put("haunted", RoomState.create("haunted").with("ghost", ghost));
      hz.getMap("signalhub.peers").put("ghost", ghost);
      CompletableFuture<Void> idFreed = new CompletableFuture<>();
      hz.<String, String>getMap("signalhub.peers").addEntryListener(
        (EntryRemovedListener<String, String>) e -> idFreed.complete(null), "ghost", false);

      VertxTestContext test = new VertxTestContext();
      Checkpoint evicted = test.checkpoint();
      SignalingHub hub = SignalingHub.create(node, new HubOptions().setAnonymous(true)).eventHandler(event -> {
        if (event.type() == HubEvent.Type.UNREGISTER) {
          test.verify(() -> {
            assertEquals("ghost", event.peer());
            assertEquals("haunted", event.room());
            assertEquals("a-node-that-crashed-unnoticed", event.node());
            assertEquals("node-failed", event.reason());
            assertEquals(0, event.members());
            assertTrue(event.roomRemoved());
          });
          evicted.flag();
        } else {
          event.complete(true);
        }
      });
      hub.deploy(new HubServerOptions().setPort(0)).await(30, TimeUnit.SECONDS);
      assertTrue(test.awaitCompletion(10, TimeUnit.SECONDS), "the stale member was evicted");
      if (test.failed()) {
        throw new AssertionError(test.causeOfFailure());
      }
      // the room is gone and the id is free (the directory is swept right after the rooms: wait for that removal)
      idFreed.get(10, TimeUnit.SECONDS);
      JsonObject first;
      try (TestPeer peer = TestPeer.connect(node, hub.actualPort(), "/ws?roomId=haunted&ClientId=ghost")) {
        first = peer.next();
      }
      assertEquals("welcome", first.getString("type"), first.encode());
      assertEquals(new JsonArray(), first.getJsonObject("data").getJsonArray("peers"));
      LeakCheck.assertDrained(node);
    } finally {
      cluster.close();
    }
  }
}
