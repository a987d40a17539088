package io.signalhub.example;

import io.signalhub.SignalingHub;
import io.signalhub.verticles.Addresses;
import io.signalhub.verticles.HubOptions;
import io.signalhub.verticles.RoomRegistryVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The embedding example of {@code docs/embedding.md}, run as an application would. */
@ExtendWith(VertxExtension.class)
class EmbeddingExampleTest {

  @Test
  void anApplicationMountsTheHubOnItsOwnRouterAndObservesItsLifecycle(Vertx vertx) throws Exception {
    ExistingApplication app = new ExistingApplication();
    vertx.deployVerticle(app).await(30, TimeUnit.SECONDS);
    int port = app.port();

    JsonObject hello = vertx.createHttpClient().request(HttpMethod.GET, port, "127.0.0.1", "/api/hello")
      .compose(req -> req.send()).compose(resp -> resp.body()).map(b -> new JsonObject(b)).await(10, TimeUnit.SECONDS);
    assertEquals("from the application", hello.getString("hello"), "the application's own routes still answer");

    BlockingQueue<JsonObject> toA = new LinkedBlockingQueue<>();
    BlockingQueue<JsonObject> toB = new LinkedBlockingQueue<>();
    WebSocketClient client = vertx.createWebSocketClient();
    WebSocket a = client.connect(port, "127.0.0.1", "/rtc/signaling?roomId=embedded&ClientId=a")
      .map(ws -> ws.textMessageHandler(t -> toA.add(new JsonObject(t)))).await(10, TimeUnit.SECONDS);
    assertEquals("welcome", toA.poll(10, TimeUnit.SECONDS).getString("type"));
    WebSocket b = client.connect(port, "127.0.0.1", "/rtc/signaling?roomId=embedded&ClientId=b")
      .map(ws -> ws.textMessageHandler(t -> toB.add(new JsonObject(t)))).await(10, TimeUnit.SECONDS);
    assertEquals("welcome", toB.poll(10, TimeUnit.SECONDS).getString("type"));
    a.writeTextMessage(new JsonObject().put("type", "offer").put("to", "b").put("data", new JsonObject().put("sdp", "v=0")).encode());
    JsonObject offer = toB.poll(10, TimeUnit.SECONDS);
    assertNotNull(offer);
    assertEquals("a", offer.getString("from"));
    b.close().await(10, TimeUnit.SECONDS);
    assertEquals("peer-joined", toA.poll(10, TimeUnit.SECONDS).getString("type"));
    assertEquals("peer-left", toA.poll(10, TimeUnit.SECONDS).getString("type"));

    // register (a, b), broadcast (the offer), unregister (b), in the order the hub emitted them
    List<String> channels = new java.util.ArrayList<>();
    for (int i = 0; i < 4; i++) {
      JsonObject e = app.events.poll(10, TimeUnit.SECONDS);
      assertNotNull(e, "lifecycle event " + i);
      channels.add(e.getString("channel") + ":" + e.getString("peer", e.getString("from")));
    }
    assertEquals(List.of("register:a", "register:b", "broadcast:a", "unregister:b"), channels);
    a.close().await(10, TimeUnit.SECONDS);
    client.close();
    io.signalhub.LeakCheck.assertDrained(vertx);
  }

  @Test
  void aVerticleDeployedAloneOnANodeOfItsOwnServesTheClusterWideRooms() throws Exception {
    io.signalhub.TestClusterAccess cluster = new io.signalhub.TestClusterAccess();
    try {
      Vertx hubNode = cluster.startNode();
      SignalingHub hub = SignalingHub.create(hubNode, new HubOptions().setAnonymous(true).setPort(0));
      hub.deploy().await(30, TimeUnit.SECONDS);

      // another node of the cluster, running nothing but the room-registry, configured by JSON
      Vertx adminNode = cluster.startNode();
      adminNode.deployVerticle(RoomRegistryVerticle.class.getName(),
        new DeploymentOptions().setConfig(new JsonObject().put("roomCapacity", 4))).await(30, TimeUnit.SECONDS);

      WebSocketClient client = hubNode.createWebSocketClient();
      BlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
      WebSocket ws = client.connect(hub.actualPort(), "127.0.0.1", "/ws?roomId=watched&ClientId=someone")
        .map(w -> w.textMessageHandler(t -> frames.add(new JsonObject(t)))).await(10, TimeUnit.SECONDS);
      assertEquals("welcome", frames.poll(10, TimeUnit.SECONDS).getString("type"));

      JsonObject room = adminNode.eventBus().<JsonObject>request(Addresses.ROOM_GET, new JsonObject().put("room", "watched"),
        new DeliveryOptions().setLocalOnly(true).setSendTimeout(5000)).await(10, TimeUnit.SECONDS).body();
      assertTrue(room.getJsonObject("members").containsKey("someone"), room.encode());
      ws.close().await(10, TimeUnit.SECONDS);
      client.close();
      io.signalhub.LeakCheck.assertDrained(hubNode, adminNode);
    } finally {
      cluster.close();
    }
  }
}
