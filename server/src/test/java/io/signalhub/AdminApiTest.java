package io.signalhub;

import io.signalhub.verticles.HubOptions;
import io.signalhub.verticles.impl.Nodes;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The admin API ({@code adminSecret}; docs/configuration.md, "Admin API") on a cluster of two nodes: asked on one
 * node, it answers for the whole cluster, and removes peers wherever they are connected.
 */
class AdminApiTest {

  private static final String SECRET = "admin-test-secret-0123456789abcdef";

  private TestCluster cluster;

  @AfterEach
  void close() throws Exception {
    cluster.close();
  }

  @Test
  void listsRoomsAndPeersClusterWideAndRemovesPeersAndRoomsWhereverTheyAre() throws Exception {
    cluster = new TestCluster();
    Vertx node1 = cluster.startNode();
    Vertx node2 = cluster.startNode();
    HubOptions options = new HubOptions().setAnonymous(true);
    SignalingHub hub1 = SignalingHub.create(node1, options);
    SignalingHub hub2 = SignalingHub.create(node2, options);
    hub1.deploy(new HubServerOptions().setPort(0).setDemo(false).setAdminSecret(SECRET)).await(30, TimeUnit.SECONDS);
    hub2.deploy(new HubServerOptions().setPort(0).setDemo(false).setAdminSecret(SECRET)).await(30, TimeUnit.SECONDS);
    HttpClient http = node1.createHttpClient();
    int port = hub1.actualPort();

    try (TestPeer a = TestPeer.join(node1, port, "r1", "alice");
         TestPeer b = TestPeer.join(node2, hub2.actualPort(), "r1", "bob");
         TestPeer c = TestPeer.join(node2, hub2.actualPort(), "r2", "carol");
         TestPeer d = TestPeer.join(node2, hub2.actualPort(), "r3", "dave")) {
      a.next("peer-joined");
      assertEquals(401, call(http, port, HttpMethod.GET, "/admin/rooms", null).getInteger("status"), "no token");
      assertEquals(401, call(http, port, HttpMethod.GET, "/admin/rooms", "Bearer wrong").getInteger("status"));

      // pages in name order, members counted over both nodes
      JsonObject page1 = body(call(http, port, HttpMethod.GET, "/admin/rooms?limit=2", bearer()));
      assertEquals(new JsonArray().add(room("r1", 2)).add(room("r2", 1)), page1.getJsonArray("rooms"));
      assertEquals("r2", page1.getString("next"));
      JsonObject page2 = body(call(http, port, HttpMethod.GET, "/admin/rooms?limit=2&after=r2", bearer()));
      assertEquals(new JsonArray().add(room("r3", 1)), page2.getJsonArray("rooms"));
      assertEquals(null, page2.getValue("next"), "the last page");
      JsonObject r1 = body(call(http, port, HttpMethod.GET, "/admin/rooms/r1", bearer()));
      assertEquals(new JsonArray().add(new JsonObject().put("peer", "alice").put("node", Nodes.nodeId(node1)))
        .add(new JsonObject().put("peer", "bob").put("node", Nodes.nodeId(node2))), r1.getJsonArray("members"));

      // bob, on the other node: closed with 4100, alice told
      assertEquals(204, call(http, port, HttpMethod.DELETE, "/admin/rooms/r1/peers/bob", bearer()).getInteger("status"));
      assertEquals(4100, b.awaitClose());
      JsonObject left = a.next("peer-left");
      assertEquals(List.of("bob", "removed"), List.of(left.getJsonObject("data").getString("id"),
        left.getJsonObject("data").getString("reason")));
      assertEquals(404, call(http, port, HttpMethod.DELETE, "/admin/rooms/r1/peers/bob", bearer()).getInteger("status"),
        "no longer in the room");

      // a whole room
      assertEquals(204, call(http, port, HttpMethod.DELETE, "/admin/rooms/r2", bearer()).getInteger("status"));
      assertEquals(4100, c.awaitClose());
      assertEquals(404, call(http, port, HttpMethod.DELETE, "/admin/rooms/absent", bearer()).getInteger("status"));
      assertEquals(0, d.pending(), "dave, in another room, heard nothing");

      // a message from the operator to a room, and to one peer
      JsonObject hello = new JsonObject().put("notice", "maintenance at 2am");
      JsonObject sent = call(http, port, HttpMethod.POST, "/admin/rooms/r3/messages", bearer(), new JsonObject().put("data", hello));
      assertEquals(202, sent.getInteger("status"), sent.encode());
      assertEquals(1, new JsonObject(sent.getString("body")).getInteger("recipients"));
      JsonObject got = d.next("server-message");
      assertEquals(List.of("r3", hello), List.of(got.getString("room"), got.getJsonObject("data")));
      assertEquals(202, call(http, port, HttpMethod.POST, "/admin/rooms/r1/messages", bearer(),
        new JsonObject().put("data", "to alice").put("to", "alice")).getInteger("status"));
      assertEquals("to alice", a.next("server-message").getString("data"));
      assertEquals(404, call(http, port, HttpMethod.POST, "/admin/rooms/r1/messages", bearer(),
        new JsonObject().put("data", 1).put("to", "nobody")).getInteger("status"));
      assertEquals(400, call(http, port, HttpMethod.POST, "/admin/rooms/r1/messages", bearer(), new JsonObject())
        .getInteger("status"));
    } finally {
      http.close();
    }
  }

  private static JsonObject room(String name, int members) {
    return new JsonObject().put("room", name).put("members", members);
  }

  private static String bearer() {
    return "Bearer " + SECRET;
  }

  private static JsonObject body(JsonObject response) {
    assertEquals(200, response.getInteger("status"), response.encode());
    try {
      return new JsonObject(response.getString("body"));
    } catch (io.vertx.core.json.DecodeException e) {
      // once in CI: a 200 with an empty body, not reproduced since; the whole answer says more next time
      throw new AssertionError("not a JSON object: " + response.encode(), e);
    }
  }

  /** {@code {"status","body"}} of a request to 127.0.0.1:{@code port}, with {@code authorization} if not null. */
  private static JsonObject call(HttpClient http, int port, HttpMethod method, String path, String authorization)
    throws Exception {
    return call(http, port, method, path, authorization, null);
  }

  private static JsonObject call(HttpClient http, int port, HttpMethod method, String path, String authorization,
                                 JsonObject body) throws Exception {
    return http.request(method, port, "127.0.0.1", path)
      .compose(req -> {
        if (authorization != null) {
          req.putHeader("Authorization", authorization);
        }
        return body == null ? req.send() : req.send(body.toBuffer());
      })
      .compose(resp -> resp.body().map(b -> new JsonObject().put("status", resp.statusCode()).put("body", b.toString())
        .put("headers", resp.headers().entries().toString())))
      .await(15, TimeUnit.SECONDS);
  }
}
