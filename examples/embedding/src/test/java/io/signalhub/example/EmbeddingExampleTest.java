package io.signalhub.example;

import io.signalhub.verticles.HubOptions;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The application of {@code docs/embedding.md}, run as its users would reach it: HTTP and WebSocket on loopback. */
@ExtendWith(VertxExtension.class)
class EmbeddingExampleTest {

  @Test
  void theApplicationMountsTheHubOnItsOwnRouterAndDecidesOnItsEvents(Vertx vertx) throws Exception {
    ExistingApplication app = new ExistingApplication(0);
    vertx.deployVerticle(app).await(30, TimeUnit.SECONDS);
    int port = app.port();

    JsonObject hello = vertx.createHttpClient().request(HttpMethod.GET, port, "127.0.0.1", "/api/hello")
      .compose(req -> req.send()).compose(resp -> resp.body()).map(JsonObject::new).await(10, TimeUnit.SECONDS);
    assertEquals("from the application", hello.getString("hello"), "the application's own routes still answer");

    WebSocketClient client = vertx.createWebSocketClient();
    BlockingQueue<JsonObject> toA = new LinkedBlockingQueue<>();
    BlockingQueue<JsonObject> toB = new LinkedBlockingQueue<>();
    WebSocket a = connect(client, port, "/rtc/signaling?roomId=embedded&ClientId=a", toA);
    assertEquals("welcome", next(toA).getString("type"));
    WebSocket b = connect(client, port, "/rtc/signaling?roomId=embedded&ClientId=b", toB);
    assertEquals("welcome", next(toB).getString("type"));
    assertEquals("peer-joined", next(toA).getString("type"));

    a.writeTextMessage(new JsonObject().put("type", "offer").put("to", "b").put("data", new JsonObject().put("sdp", "v=0")).encode());
    JsonObject offer = next(toB);
    assertEquals("offer", offer.getString("type"));
    assertEquals("a", offer.getString("from"), "the hub stamps the sender");

    // the moderation rule: a message over 16 KiB reaches nobody and its sender is told
    a.writeTextMessage(new JsonObject().put("type", "offer").put("to", "b").put("data", new JsonObject().put("sdp", "x".repeat(20_000))).encode());
    JsonObject refused = next(toA);
    assertEquals("error", refused.getString("type"));
    assertEquals("message-refused", refused.getJsonObject("data").getString("code"), refused.encode());

    // the admission rule: a room named staff-* is refused to a peer that is not staff
    BlockingQueue<JsonObject> toEve = new LinkedBlockingQueue<>();
    WebSocket eve = connect(client, port, "/rtc/signaling?roomId=staff-room&ClientId=eve", toEve);
    JsonObject noSeat = next(toEve);
    assertEquals("error", noSeat.getString("type"), noSeat.encode());
    assertEquals("join-refused", noSeat.getJsonObject("data").getString("code"), noSeat.encode());

    // b leaves; a marker from b's replacement shows nothing else reached b (the big offer above included)
    b.close().await(10, TimeUnit.SECONDS);
    assertEquals("peer-left", next(toA).getString("type"));
    assertEquals(0, toB.stream().filter(f -> "offer".equals(f.getString("type"))).count(), "the refused offer was not delivered");

    List<String> channels = new ArrayList<>();
    for (JsonObject e : app.events) {
      channels.add(e.getString("channel") + ":" + e.getString("peer") + "@" + e.getString("room"));
    }
    assertEquals(List.of("register:a@embedded", "register:b@embedded", "broadcast:a@embedded", "broadcast:a@embedded",
      "register:eve@staff-room", "unregister:b@embedded"), channels, "every event, in the order the hub raised them");
    a.close().await(10, TimeUnit.SECONDS);
    eve.close().await(10, TimeUnit.SECONDS);
    client.close();
  }

  @Test
  void theApplicationsServerClosesARequestThatNeverEnds(Vertx vertx) throws Exception {
    ExistingApplication app = new ExistingApplication(0);
    vertx.deployVerticle(app).await(30, TimeUnit.SECONDS);
    try (Socket slow = new Socket("127.0.0.1", app.port())) {
      slow.setSoTimeout(20_000);
      long opened = System.nanoTime();
      slow.getOutputStream().write("GET /rtc/signaling?roomId=r&ClientId=slow HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        .getBytes(StandardCharsets.US_ASCII));
      assertEquals(-1, slow.getInputStream().read(), "closed without an answer");
      long closedAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - opened);
      long deadline = new HubOptions().getHandshakeTimeoutMs();
      assertTrue(closedAfterMs >= deadline - 100 && closedAfterMs < deadline + 5_000,
        "closed " + closedAfterMs + " ms after it opened; handshakeTimeoutMs " + deadline);
    }
  }

  private static WebSocket connect(WebSocketClient client, int port, String uri, BlockingQueue<JsonObject> frames) throws Exception {
    return client.connect(port, "127.0.0.1", uri).map(ws -> ws.textMessageHandler(t -> frames.add(new JsonObject(t))))
      .await(10, TimeUnit.SECONDS);
  }

  private static JsonObject next(BlockingQueue<JsonObject> frames) throws InterruptedException {
    JsonObject frame = frames.poll(10, TimeUnit.SECONDS);
    assertNotNull(frame, "no frame within 10 s");
    return frame;
  }
}
