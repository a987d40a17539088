package io.signalhub.loadtest.chaos;

import io.signalhub.HubServerOptions;
import io.signalhub.SignalingHub;
import io.signalhub.verticles.HubOptions;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ChaosPeers against an in-JVM hub node: they skip a node that refuses connections, join, signal every peer of
 * their view with numbered frames, and, after the node restarts on the same port, come back and go on numbering;
 * the recorded history keeps the contract and every view converges.
 */
@ExtendWith(VertxExtension.class)
class ChaosPeerTest {

  private static final int PEERS = 3;

  @Test
  void peersSkipADeadNodeSignalAndComeBackAfterTheNodeRestarts(Vertx vertx) throws Exception {
    int dead = freePort();
    SignalingHub hub = SignalingHub.create(vertx, new HubOptions().setAnonymous(true));
    hub.deploy(new HubServerOptions().setPort(0)).await(20, TimeUnit.SECONDS);
    int port = hub.actualPort();
    History history = new History();
    WebSocketClient client = ChaosPeer.client(vertx);
    List<ChaosPeer> peers = new ArrayList<>();
    try {
      for (int i = 0; i < PEERS; i++) {
        peers.add(new ChaosPeer(vertx, client, history, "room1", "p" + i,
          List.of("127.0.0.1:" + dead, "127.0.0.1:" + port), 0, 50, i).maxBackoffMs(500));
      }
      for (ChaosPeer p : peers) {
        p.start().await(20, TimeUnit.SECONDS);
      }
      assertTrue(peers.stream().allMatch(p -> p.node().equals("127.0.0.1:" + port)), "moved on to the live node");
      await(vertx, () -> history.receivedCount() >= 60 && peers.stream().allMatch(p -> p.view().size() == PEERS - 1), 20);
      long before = history.receivedCount();

      // the node stops and comes back on the same port: the peers reconnect (to it: the other one stays dead)
      hub.undeploy().await(20, TimeUnit.SECONDS);
      hub = SignalingHub.create(vertx, new HubOptions().setAnonymous(true));
      hub.deploy(new HubServerOptions().setPort(port)).await(20, TimeUnit.SECONDS);
      await(vertx, () -> peers.stream().allMatch(p -> p.connected() && p.view().size() == PEERS - 1)
        && history.receivedCount() >= before + 60, 30);
      assertTrue(history.closesByCode().getOrDefault(1001, 0L) >= PEERS, "closed as the node stopped: " + history.closesByCode());
      assertTrue(history.welcomes()[0] >= 2 * PEERS, "welcomed again");

      // drain: stop sending, wait until everything sent arrived or was accounted for
      peers.forEach(p -> p.sending(false));
      await(vertx, () -> history.check().isEmpty(), 20);
      assertEquals(List.of(), history.check());
      Map<String, Set<String>> actual = new HashMap<>();
      for (ChaosPeer p : peers) {
        Set<String> others = new HashSet<>();
        peers.stream().filter(q -> q != p).forEach(q -> others.add(q.id()));
        actual.put(p.id(), others);
      }
      assertEquals(List.of(), history.checkViews(actual));
    } finally {
      for (ChaosPeer p : peers) {
        p.close().await(10, TimeUnit.SECONDS);
      }
      hub.undeploy().await(20, TimeUnit.SECONDS);
    }
    assertTrue(peers.stream().allMatch(ChaosPeer::stopped));
  }

  /** Completes when {@code condition} holds (checked every 50 ms on a Vert.x timer), fails after {@code seconds}. */
  private static void await(Vertx vertx, BooleanSupplier condition, int seconds) throws Exception {
    CompletableFuture<Void> done = new CompletableFuture<>();
    long timer = vertx.setPeriodic(50, t -> {
      if (condition.getAsBoolean()) {
        done.complete(null);
      }
    });
    try {
      done.get(seconds, TimeUnit.SECONDS);
    } finally {
      vertx.cancelTimer(timer);
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
