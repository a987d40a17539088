package io.signalhub;

import io.signalhub.verticles.HubOptions;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A stopping node closes its connections in paced batches ({@code drainMs}; docs/protocol.md, "WebSocket close
 * codes", 1001), so that its clients do not all reconnect at the same moment: batches of at least 50 every 100 ms,
 * all within {@code drainMs}.
 */
class DrainTest {

  private static final int PEERS = 150;
  private static final long DRAIN_MS = 2_000;

  private Vertx vertx;

  @AfterEach
  void close() throws Exception {
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  @Test
  void aStoppingNodeClosesItsConnectionsInBatchesWithinDrainMs() throws Exception {
    vertx = Vertx.vertx();
    SignalingHub hub = SignalingHub.create(vertx, new HubOptions().setAnonymous(true).setDrainMs(DRAIN_MS)
      .setMaxConnectionsPerIp(0));
    hub.deploy(new HubServerOptions().setPort(0).setDemo(false)).await(30, TimeUnit.SECONDS);
    List<TestPeer> peers = new ArrayList<>();
    for (int i = 0; i < PEERS; i++) {
      peers.add(TestPeer.join(vertx, hub.actualPort(), "room" + (i % 10), "peer" + i));
    }
    long stopped = System.nanoTime();
    hub.undeploy().await(30, TimeUnit.SECONDS);
    List<Long> closedAfterMs = new ArrayList<>();
    for (TestPeer peer : peers) {
      assertEquals(1001, peer.awaitClose());
      closedAfterMs.add(peer.closedAfterMs(stopped));
    }
    long first = closedAfterMs.stream().min(Long::compare).orElseThrow();
    long last = closedAfterMs.stream().max(Long::compare).orElseThrow();
    // 150 connections, batches of 50: three, 100 ms apart
    assertTrue(last - first >= 150, "closes spread over " + (last - first) + " ms: " + closedAfterMs);
    assertTrue(last <= DRAIN_MS + 2_000, "the last close " + last + " ms after the stop began, drainMs " + DRAIN_MS);
  }
}
