package io.signalhub.example;

import com.hazelcast.config.Config;
import io.signalhub.verticles.Addresses;
import io.signalhub.verticles.RoomRegistryVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The cluster part of {@code docs/embedding.md}: two application nodes, clustered with Hazelcast on loopback. */
class ClusterExampleTest {

  private final String clusterName = "embedding-example-" + UUID.randomUUID();
  private final int basePort = 30_000 + 10 * ThreadLocalRandom.current().nextInt(1_000);

  // tag::cluster[]
  /** A clustered Vertx whose Hazelcast members find each other by TCP-IP on loopback (multicast off). */
  Future<Vertx> clusteredVertx(String clusterName, int basePort) {
    Config hazelcast = ConfigUtil.loadConfig().setClusterName(clusterName);   // vertx-hazelcast's defaults
    hazelcast.getNetworkConfig().setPort(basePort).setPortCount(10).getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    hazelcast.getNetworkConfig().getJoin().getMulticastConfig().setEnabled(false);
    hazelcast.getNetworkConfig().getJoin().getTcpIpConfig().setEnabled(true).addMember("127.0.0.1");   // its first ports
    VertxOptions options = new VertxOptions();
    options.getEventBusOptions().setHost("127.0.0.1");                       // the event bus on loopback too
    return Vertx.builder().with(options).withClusterManager(new HazelcastClusterManager(hazelcast)).buildClustered();
  }
  // end::cluster[]

  @Test
  void aVerticleDeployedAloneOnAnotherNodeServesTheClusterWideRooms() throws Exception {
    List<Vertx> nodes = new ArrayList<>();
    try {
      Vertx hubNode = clusteredVertx(clusterName, basePort).await(60, TimeUnit.SECONDS);
      nodes.add(hubNode);
      ExistingApplication app = new ExistingApplication(0);
      hubNode.deployVerticle(app).await(30, TimeUnit.SECONDS);

      Vertx vertx = clusteredVertx(clusterName, basePort).await(60, TimeUnit.SECONDS);
      nodes.add(vertx);
      deployRegistryAlone(vertx).await(30, TimeUnit.SECONDS);

      WebSocketClient client = hubNode.createWebSocketClient();
      BlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
      WebSocket ws = client.connect(app.port(), "127.0.0.1", "/rtc/signaling?roomId=watched&ClientId=someone")
        .map(w -> w.textMessageHandler(t -> frames.add(new JsonObject(t)))).await(10, TimeUnit.SECONDS);
      assertEquals("welcome", frames.poll(10, TimeUnit.SECONDS).getString("type"));

      JsonObject room = roomGet(vertx).await(10, TimeUnit.SECONDS).body();
      assertTrue(room.getJsonObject("members").containsKey("someone"), "the other node sees the room: " + room.encode());
      ws.close().await(10, TimeUnit.SECONDS);
      client.close();
    } finally {
      for (int i = nodes.size() - 1; i >= 0; i--) {
        nodes.get(i).close().await(60, TimeUnit.SECONDS);
      }
    }
  }

  /** Deploys nothing but the room-registry on {@code vertx}'s node, configured by JSON. */
  private static Future<String> deployRegistryAlone(Vertx vertx) {
    // tag::alone[]
    return vertx.deployVerticle(RoomRegistryVerticle.class.getName(),
      new DeploymentOptions().setConfig(new JsonObject().put("roomCapacity", 4)));
    // end::alone[]
  }

  /** The room-registry's answer for room {@code watched}, asked on {@code vertx}'s own node. */
  private static Future<Message<JsonObject>> roomGet(Vertx vertx) {
    // tag::room-get[]
    return vertx.eventBus().<JsonObject>request(Addresses.ROOM_GET, new JsonObject().put("room", "watched"),
      new DeliveryOptions().setLocalOnly(true).setSendTimeout(5000));   // {"room","gen","version","members":{...}}
    // end::room-get[]
  }
}
