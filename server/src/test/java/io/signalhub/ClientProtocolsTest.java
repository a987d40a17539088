package io.signalhub;

import io.signalhub.verticles.Addresses;
import io.signalhub.verticles.HubOptions;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The PeerJS server protocol ({@code /peerjs}) and the y-webrtc signaling protocol ({@code /yjs}) frame by frame,
 * on two nodes of a cluster (real Hazelcast members on loopback), for what the libraries' own end-to-end tests
 * ({@link ClientLibrariesE2ETest}) do not reach: {@code src} stamping and the exact relayed shape, order, held
 * messages and {@code EXPIRE}, the id takeover with the same token, the refusals, a peer of another protocol, and
 * y-webrtc's topics across nodes (docs/protocol.md, "PeerJS" and "y-webrtc").
 */
class ClientProtocolsTest {

  private static final long EXPIRE_MS = 1_000;

  private TestCluster cluster;
  private Vertx node1;
  private Vertx node2;
  private SignalingHub hub1;
  private SignalingHub hub2;
  private final List<TestPeer> peers = new ArrayList<>();

  @BeforeEach
  void twoNodes() throws Exception {
    cluster = new TestCluster();
    node1 = cluster.startNode();
    node2 = cluster.startNode();
    HubOptions options = new HubOptions().setAnonymous(true).setPeerjsExpireMs(EXPIRE_MS).setPublishLifecycleEvents(true);
    hub1 = SignalingHub.create(node1, options);
    hub2 = SignalingHub.create(node2, options);
    hub1.deploy(new HubServerOptions().setPort(0).setDemo(false)).await(30, TimeUnit.SECONDS);
    hub2.deploy(new HubServerOptions().setPort(0).setDemo(false)).await(30, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    for (TestPeer peer : peers) {
      peer.close();
    }
    cluster.close();
  }

  private TestPeer peerJs(SignalingHub hub, String id, String token) throws Exception {
    TestPeer peer = TestPeer.connect(node1, hub.actualPort(), "/peerjs/peerjs?key=peerjs&id=" + id + "&token=" + token + "&version=1.5.5");
    peers.add(peer);
    return peer;
  }

  private TestPeer yjs(SignalingHub hub) throws Exception {
    TestPeer peer = TestPeer.connect(node1, hub.actualPort(), "/yjs");
    peers.add(peer);
    return peer;
  }

  private static JsonObject msg(String type, String dst, Object payload) {
    return new JsonObject().put("type", type).put("dst", dst).put("payload", payload);
  }

  @Test
  void peerJsMessagesCrossNodesWithSrcStampedInOrderAsTypeSrcDstPayloadOnly() throws Exception {
    TestPeer a = peerJs(hub1, "alice", "t1");
    TestPeer b = peerJs(hub2, "bob", "t2");
    assertEquals(new JsonObject().put("type", "OPEN"), a.next());
    assertEquals(new JsonObject().put("type", "OPEN"), b.next());

    // a spoofed src and extra fields: the hub sets src and relays {type, src, dst, payload} only
    a.send(msg("OFFER", "bob", new JsonObject().put("sdp", new JsonObject().put("type", "offer").put("sdp", "v=0")))
      .put("src", "mallory").put("extra", true));
    assertEquals(new JsonObject().put("type", "OFFER").put("src", "alice").put("dst", "bob")
      .put("payload", new JsonObject().put("sdp", new JsonObject().put("type", "offer").put("sdp", "v=0"))), b.next());
    // what the hub ignores (HEARTBEAT, unknown types, invalid JSON, no dst) leaves the socket open and relays nothing
    a.send(new JsonObject().put("type", "HEARTBEAT"));
    a.send(new JsonObject().put("type", "SOMETHING").put("dst", "bob"));
    a.sendText("{not json");
    a.send(new JsonObject().put("type", "CANDIDATE"));
    for (int i = 0; i < 20; i++) {
      a.send(msg("CANDIDATE", "bob", new JsonObject().put("candidate", "c" + i)));
    }
    for (int i = 0; i < 20; i++) {
      assertEquals("c" + i, b.next("CANDIDATE").getJsonObject("payload").getString("candidate"));
    }
    b.send(msg("ANSWER", "alice", new JsonObject().put("sdp", "answer")));
    assertEquals("bob", a.next("ANSWER").getString("src"));
    assertEquals(0, a.pending());
    assertEquals(0, b.pending());
  }

  @Test
  void aMessageForAPeerNotConnectedIsHeldUntilItConnectsOrLapsesWithExpire() throws Exception {
    TestPeer a = peerJs(hub1, "alice", "t1");
    a.next("OPEN");
    // carol connects (on the other node) after alice's offer: it gets it, in order with what followed
    a.send(msg("OFFER", "carol", "o"));
    a.send(msg("CANDIDATE", "carol", "c"));
    TestPeer c = peerJs(hub2, "carol", "t3");
    c.next("OPEN");
    assertEquals("o", c.next("OFFER").getString("payload"));
    assertEquals("c", c.next("CANDIDATE").getString("payload"));

    // LEAVE for an absent peer is dropped (the reference does), an OFFER lapses: only the OFFER's EXPIRE comes back
    long sent = System.nanoTime();
    a.send(msg("LEAVE", "ghost1", null));
    a.send(msg("OFFER", "ghost2", "o"));
    JsonObject expire = a.next();
    assertEquals(new JsonObject().put("type", "EXPIRE").put("src", "ghost2").put("dst", "alice"), expire);
    assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent) >= EXPIRE_MS, "held for peerjsExpireMs first");

    // a peer of the hub's own protocol with that id is no PeerJS destination
    TestPeer roomPeer = TestPeer.join(node2, hub2.actualPort(), "r1", "dave");
    peers.add(roomPeer);
    a.send(msg("OFFER", "dave", "o"));
    assertEquals(new JsonObject().put("type", "EXPIRE").put("src", "dave").put("dst", "alice"), a.next());
    assertEquals(0, roomPeer.pending(), "the room peer got " + roomPeer.pending() + " frame(s)");
  }

  @Test
  void theSameIdWithTheSameTokenTakesTheIdOverAndWithAnotherTokenGetsIdTaken() throws Exception {
    TestPeer first = peerJs(hub1, "alice", "t1");
    first.next("OPEN");
    TestPeer other = peerJs(hub2, "alice", "t-other");
    assertEquals(new JsonObject().put("type", "ID-TAKEN").put("payload", new JsonObject().put("msg", "ID is taken")),
      other.next());
    assertEquals(1000, other.awaitClose());

    TestPeer again = peerJs(hub2, "alice", "t1"); // a reconnect: the previous socket goes
    again.next("OPEN");
    assertEquals(4101, first.awaitClose());
    TestPeer b = peerJs(hub1, "bob", "t2");
    b.next("OPEN");
    b.send(msg("OFFER", "alice", "to the new socket"));
    assertEquals("to the new socket", again.next("OFFER").getString("payload"));
  }

  @Test
  void refusalsAndTheHttpRoutesAreThoseOfThePeerJsServer() throws Exception {
    TestPeer noToken = TestPeer.connectRefused(node1, hub1.actualPort(), "/peerjs/peerjs?key=peerjs&id=alice");
    assertEquals("No id, token, or key supplied to websocket server", noToken.next("ERROR").getJsonObject("payload").getString("msg"));
    assertEquals(1008, noToken.awaitClose());
    TestPeer wrongKey = TestPeer.connectRefused(node1, hub1.actualPort(), "/peerjs/peerjs?key=other&id=alice&token=t");
    assertEquals("Invalid key provided", wrongKey.next("ERROR").getJsonObject("payload").getString("msg"));
    assertEquals(1008, wrongKey.awaitClose());

    HttpClient http = node1.createHttpClient();
    try {
      JsonObject id = get(http, hub1.actualPort(), "/peerjs/peerjs/id?ts=1&version=1.5.5");
      assertEquals(200, id.getInteger("status"));
      assertTrue(id.getString("body").matches("[0-9a-f-]{36}"), id.encode());
      assertEquals("*", id.getString("allowOrigin"), "CORS: a page of any origin may ask for an id");
      assertEquals(401, get(http, hub1.actualPort(), "/peerjs/other/id").getInteger("status"));
      assertEquals(401, get(http, hub1.actualPort(), "/peerjs/peerjs/peers").getInteger("status"), "no discovery");
    } finally {
      http.close();
    }
  }

  private static JsonObject get(HttpClient http, int port, String path) throws Exception {
    return http.request(HttpMethod.GET, port, "127.0.0.1", path)
      .compose(req -> req.putHeader("Origin", "https://app.example").send())
      .compose(resp -> resp.body().map(b -> new JsonObject().put("status", resp.statusCode()).put("body", b.toString())
        .put("allowOrigin", resp.getHeader("Access-Control-Allow-Origin"))))
      .await(10, TimeUnit.SECONDS);
  }

  @Test
  void aYWebrtcPublishReachesEverySubscriberOfItsTopicOnEveryNodeTheSenderIncluded() throws Exception {
    BlockingQueue<JsonObject> lifecycle = new LinkedBlockingQueue<>();
    node2.eventBus().<JsonObject>localConsumer(Addresses.LIFECYCLE_REGISTER, m -> lifecycle.add(m.body()))
      .completion().await(10, TimeUnit.SECONDS);
    TestPeer s1 = yjs(hub1);
    TestPeer s2 = yjs(hub2);
    TestPeer s3 = yjs(hub2);
    s1.send(new JsonObject().put("type", "subscribe").put("topics", new JsonArray().add("doc").add("doc")));
    s2.send(new JsonObject().put("type", "subscribe").put("topics", new JsonArray().add("doc")));
    s3.send(new JsonObject().put("type", "subscribe").put("topics", new JsonArray().add("other")));
    for (TestPeer s : List.of(s1, s2, s3)) {
      s.send(new JsonObject().put("type", "ping"));
      assertEquals(new JsonObject().put("type", "pong"), s.next(), "subscribed, then pong");
    }
    JsonObject registered = lifecycle.poll(10, TimeUnit.SECONDS);
    assertNotNull(registered, "a lifecycle register event on node 2");
    assertEquals("yjs", registered.getString("protocol"));

    JsonObject data = new JsonObject().put("type", "announce").put("from", "peer-1");
    s1.send(new JsonObject().put("type", "publish").put("topic", "doc").put("data", data).put("clients", 99));
    JsonObject expected = new JsonObject().put("type", "publish").put("topic", "doc").put("data", data).put("clients", 1);
    assertEquals(expected, s1.next(), "the sender gets its own publish, with the count of its node's subscribers");
    assertEquals(expected, s2.next());

    s2.send(new JsonObject().put("type", "unsubscribe").put("topics", new JsonArray().add("doc")));
    s3.send(new JsonObject().put("type", "subscribe").put("topics", new JsonArray().add("doc")));
    for (TestPeer s : List.of(s2, s3)) {
      s.send(new JsonObject().put("type", "ping"));
      s.next("pong");
    }
    s1.send(new JsonObject().put("type", "publish").put("topic", "doc").put("data", "after"));
    assertEquals("after", s1.next("publish").getString("data"));
    JsonObject onNode2 = s3.next("publish");
    assertEquals(1, onNode2.getInteger("clients"), "s2 left the topic: " + onNode2.encode());
    assertEquals(0, s2.pending(), "unsubscribed: nothing more (node 2 has delivered that publish to s3)");

    // node 2's publishes reach node 1 in order: once s1 has the second, it would have had the first
    s3.send(new JsonObject().put("type", "publish").put("topic", "other").put("data", "x"));
    s3.send(new JsonObject().put("type", "publish").put("topic", "doc").put("data", "marker"));
    assertEquals("x", s3.next("publish").getString("data"));
    assertEquals("marker", s1.next("publish").getString("data"), "another topic's publish is not s1's");
  }

  @Test
  void anApplicationMountsBothProtocolsOnItsOwnRouter() throws Exception {
    Router router = Router.router(node1);
    hub1.mountClientProtocols(router);
    io.vertx.core.http.HttpServer server = node1.createHttpServer().requestHandler(router).listen(0).await(10, TimeUnit.SECONDS);
    try {
      TestPeer a = TestPeer.connect(node1, server.actualPort(), "/peerjs/peerjs?key=peerjs&id=alice&token=t");
      peers.add(a);
      a.next("OPEN");
      TestPeer b = peerJs(hub2, "bob", "t2");
      b.next("OPEN");
      a.send(msg("OFFER", "bob", "from the application's server"));
      assertEquals("alice", b.next("OFFER").getString("src"));
      TestPeer y = TestPeer.connect(node1, server.actualPort(), "/yjs");
      peers.add(y);
      y.send(new JsonObject().put("type", "ping"));
      y.next("pong");
    } finally {
      server.close().await(10, TimeUnit.SECONDS);
    }
  }
}
