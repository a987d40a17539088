package io.signalhub;

import io.signalhub.verticles.HubOptions;
import io.signalhub.verticles.impl.Nodes;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Webhooks ({@code webhookUrls}; docs/protocol.md, "Webhooks") against a real HTTP receiver on loopback: on a
 * cluster of two nodes, each node posts its own peers' events, in order, signed; a receiver that is down for a while
 * gets what was queued once it is up, in order, what overflowed the queue being dropped; a slow one gets all, in
 * order.
 */
class WebhookTest {

  private static final String SECRET = "webhook-test-secret-0123456789";

  private final List<AutoCloseable> closing = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
  }

  /** A received POST: its body, and whether its signature header is the body's HMAC-SHA256 with the secret. */
  record Hook(JsonObject body, boolean signed, String eventHeader) {
    String event() {
      return body.getString("event");
    }
  }

  /** An HTTP receiver on 127.0.0.1:{@code port} that answers 204 after {@code delayMs}. */
  private static HttpServer receiver(Vertx vertx, int port, long delayMs, BlockingQueue<Hook> hooks) throws Exception {
    return vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      hooks.add(new Hook(body.toJsonObject(), ("sha256=" + hmac(body.getBytes())).equals(req.getHeader("X-Signalhub-Signature")),
        req.getHeader("X-Signalhub-Event")));
      vertx.setTimer(Math.max(1, delayMs), t -> req.response().setStatusCode(204).end());
    })).listen(port, "127.0.0.1").await(10, TimeUnit.SECONDS);
  }

  private static String hmac(byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(body));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static Hook next(BlockingQueue<Hook> hooks) throws InterruptedException {
    Hook hook = hooks.poll(15, TimeUnit.SECONDS);
    assertNotNull(hook, "no webhook within 15 s");
    assertEquals(true, hook.signed(), "signature of " + hook.body().encode());
    assertEquals(hook.event(), hook.eventHeader());
    return hook;
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  @Test
  void eachNodePostsItsPeersRoomEventsSignedAndInOrder() throws Exception {
    Vertx receiverVertx = Vertx.vertx();
    closing.add(() -> receiverVertx.close().await(30, TimeUnit.SECONDS));
    BlockingQueue<Hook> hooks = new LinkedBlockingQueue<>();
    int port = receiver(receiverVertx, 0, 0, hooks).actualPort();
    TestCluster cluster = new TestCluster();
    closing.add(cluster::close);
    HubOptions options = new HubOptions().setAnonymous(true).setWebhookUrls("http://127.0.0.1:" + port + "/hook")
      .setWebhookSecret(SECRET);
    Vertx node1 = cluster.startNode();
    Vertx node2 = cluster.startNode();
    SignalingHub hub1 = SignalingHub.create(node1, options);
    SignalingHub hub2 = SignalingHub.create(node2, options);
    hub1.deploy(new HubServerOptions().setPort(0).setDemo(false)).await(30, TimeUnit.SECONDS);
    hub2.deploy(new HubServerOptions().setPort(0).setDemo(false)).await(30, TimeUnit.SECONDS);

    TestPeer a = TestPeer.join(node1, hub1.actualPort(), "hooked", "alice");
    Hook created = next(hooks);
    assertEquals("room_created", created.event());
    assertEquals("hooked", created.body().getString("room"));
    Hook aliceJoined = next(hooks);
    assertEquals(List.of("peer_joined", "alice", 1), List.of(aliceJoined.event(), aliceJoined.body().getString("peer"),
      aliceJoined.body().getInteger("members")));
    TestPeer b = TestPeer.join(node2, hub2.actualPort(), "hooked", "bob");
    Hook bobJoined = next(hooks);
    assertEquals(List.of("peer_joined", "bob", 2), List.of(bobJoined.event(), bobJoined.body().getString("peer"),
      bobJoined.body().getInteger("members")));
    assertEquals(Nodes.nodeId(node2), bobJoined.body().getString("node"), "posted by bob's node");
    b.close();
    Hook bobLeft = next(hooks);
    assertEquals(List.of("peer_left", "bob"), List.of(bobLeft.event(), bobLeft.body().getString("peer")));
    a.close();
    Hook aliceLeft = next(hooks);
    assertEquals(List.of("peer_left", "alice"), List.of(aliceLeft.event(), aliceLeft.body().getString("peer")));
    Hook closed = next(hooks);
    assertEquals(List.of("room_closed", "hooked"), List.of(closed.event(), closed.body().getString("room")));
    assertEquals(Nodes.nodeId(node1), closed.body().getString("node"));
  }

  @Test
  void aReceiverDownForAWhileGetsTheQueueInOrderAndASlowOneGetsEverything() throws Exception {
    Vertx vertx = Vertx.vertx();
    closing.add(() -> vertx.close().await(30, TimeUnit.SECONDS));
    int port = freePort(); // nothing listens there yet: connections are refused
    SignalingHub hub = SignalingHub.create(vertx, new HubOptions().setAnonymous(true)
      .setWebhookUrls("http://127.0.0.1:" + port + "/hook").setWebhookSecret(SECRET).setWebhookQueueMax(4));
    hub.deploy(new HubServerOptions().setPort(0).setDemo(false)).await(30, TimeUnit.SECONDS);

    // four events wait (room_created, then alice, bob and carol joined), the next two overflow the queue
    for (String id : List.of("alice", "bob", "carol", "dave", "erin")) {
      closing.add(TestPeer.join(vertx, hub.actualPort(), "queued", id));
    }
    Vertx receiverVertx = Vertx.vertx();
    closing.add(() -> receiverVertx.close().await(30, TimeUnit.SECONDS));
    BlockingQueue<Hook> hooks = new LinkedBlockingQueue<>();
    receiver(receiverVertx, port, 300, hooks); // up now, and slow: 300 ms per answer
    List<String> got = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Hook hook = next(hooks);
      got.add(hook.event() + " " + hook.body().getString("peer", hook.body().getString("room")));
    }
    assertEquals(List.of("room_created queued", "peer_joined alice", "peer_joined bob", "peer_joined carol"), got);
    // what comes next is frank's: dave's and erin's were dropped on the full queue
    closing.add(TestPeer.join(vertx, hub.actualPort(), "queued", "frank"));
    Hook frank = next(hooks);
    assertEquals(List.of("peer_joined", "frank", 6), List.of(frank.event(), frank.body().getString("peer"),
      frank.body().getInteger("members")));
  }

}
