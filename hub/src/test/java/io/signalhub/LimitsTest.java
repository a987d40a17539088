package io.signalhub;

import io.signalhub.verticles.HubOptions;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hub's limits against clients that misbehave, each with its documented code, while a well-behaved
 * pair of peers alongside keeps signaling.
 */
@ExtendWith(VertxExtension.class)
class LimitsTest {

  private Vertx vertx;
  private SignalingHub hub;
  private int port;
  private TestPeer good1;
  private TestPeer good2;

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    this.vertx = vertx;
    hub = SignalingHub.create(vertx, new HubOptions().setAnonymous(true).setPort(0).setJoinTimeoutMs(500).setMaxConnectionsPerIp(6)
      .setRateLimitPerSecond(20).setRateLimitBurst(10).setMaxQueuedBytes(256 * 1024).setAllowedOrigins("https://app.example.org"));
    hub.deploy().await(20, TimeUnit.SECONDS);
    port = hub.actualPort();
    good1 = TestPeer.join(vertx, port, "calm", "good1");
    good2 = TestPeer.join(vertx, port, "calm", "good2");
    good1.next("peer-joined");
  }

  @AfterEach
  void stop() throws Exception {
    // the well-behaved peers were served throughout
    good1.send(TestPeer.offer("good2", "still here"));
    assertEquals("still here", good2.next("offer").getJsonObject("data").getString("sdp"));
    good1.close();
    good2.close();
    hub.undeploy().await(20, TimeUnit.SECONDS);
  }

  private int handshake(String origin) throws Exception {
    WebSocketClient client = vertx.createWebSocketClient();
    try {
      WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI("/ws?roomId=o&ClientId=o1");
      if (origin != null) {
        options.addHeader("Origin", origin);
      }
      client.connect(options).await(10, TimeUnit.SECONDS).close().await(10, TimeUnit.SECONDS);
      return 101;
    } catch (UpgradeRejectedException e) {
      return e.getStatus();
    } finally {
      client.close();
    }
  }

  @Test
  void aForeignBrowserOriginIsRefusedWith403() throws Exception {
    assertEquals(403, handshake("https://evil.example.com"));
    assertEquals(101, handshake("https://app.example.org"), "listed");
    assertEquals(101, handshake("http://127.0.0.1:" + port), "the hub's own origin");
    assertEquals(101, handshake(null), "not a browser");
  }

  @Test
  void tooManyConnectionsFromOneAddressAreRefusedWith429() throws Exception {
    List<TestPeer> open = new ArrayList<>();
    try {
      for (int i = 0; i < 4; i++) { // 2 good peers + 4 = the limit of 6
        open.add(TestPeer.join(vertx, port, "crowd", "c" + i));
      }
      UpgradeRejectedException refused = assertThrows(UpgradeRejectedException.class,
        () -> TestPeer.connect(vertx, port, "/ws?roomId=crowd&ClientId=c4"));
      assertEquals(429, refused.getStatus());
      open.remove(0).close();
      // the freed slot is reusable once the hub has seen the close
      TestPeer again = null;
      for (int attempt = 0; again == null && attempt < 50; attempt++) {
        try {
          again = TestPeer.connect(vertx, port, "/ws?roomId=crowd&ClientId=c5");
        } catch (UpgradeRejectedException stillCounted) {
          Thread.sleep(20);
        }
      }
      assertTrue(again != null, "a closed connection frees its slot");
      open.add(again);
    } finally {
      for (TestPeer p : open) {
        p.close();
      }
    }
  }

  @Test
  void aClientThatNeverJoinsIsClosedWith1008() throws Exception {
    try (TestPeer idle = TestPeer.connect(vertx, port, "/ws")) {
      assertEquals("join-timeout", idle.next("error").getJsonObject("data").getString("code"));
      assertEquals(1008, idle.awaitClose());
    }
  }

  @Test
  void aFloodPastTheRateLimitGetsAnErrorThenIsClosedWith1008() throws Exception {
    try (TestPeer flooder = TestPeer.join(vertx, port, "flood", "flooder")) {
      for (int i = 0; i < 200; i++) {
        flooder.sendNoWait(TestPeer.offer("nobody", "flood " + i));
      }
      JsonObject first = flooder.next("error").getJsonObject("data");
      assertEquals("rate-limited", first.getString("code"));
      assertEquals(1008, flooder.awaitClose());
    }
  }

  @Test
  void aSlowReaderIsClosedWith1013() throws Exception {
    try (TestPeer sender = TestPeer.join(vertx, port, "slow", "sender");
         Socket slow = new Socket("127.0.0.1", port)) {
      slow.setReceiveBufferSize(4096);
      OutputStream out = slow.getOutputStream();
      out.write(("GET /ws?roomId=slow&ClientId=reader HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
        + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      sender.next("peer-joined");
      // then the reader never reads again: 60 KiB frames pile up until its queue passes 256 KiB
      String big = "x".repeat(60 * 1024);
      JsonObject left = null;
      for (int i = 0; i < 400 && left == null; i++) {
        sender.send(TestPeer.offer("reader", big));
        if (i >= 8) { // stay under the rate limit: 10 at once, 20/s
          Thread.sleep(50);
        }
        while (sender.pending() > 0) {
          JsonObject f = sender.next();
          if ("peer-left".equals(f.getString("type"))) {
            left = f;
          }
        }
      }
      assertTrue(left != null, "the slow reader was closed");
      assertEquals("slow-reader", left.getJsonObject("data").getString("reason"));
    }
  }
}
