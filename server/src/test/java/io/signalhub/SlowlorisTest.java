package io.signalhub;

import io.signalhub.verticles.HubOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Slowloris against the hub's own server ({@code handshakeTimeoutMs}, {@code maxConnectionsPerIp}): clients that send
 * an HTTP request a line or a byte at a time and never finish it are closed at the deadline although they keep
 * sending; until then they count in their address's cap, so they cannot hold more than that many connections; a
 * well-behaved client from another address is served throughout.
 */
class SlowlorisTest {

  private static final int CAP = 20;
  private static final int SLOW = 25;
  private static final long DEADLINE_MS = 1_500;
  /** How often a slow client sends one more header line or body byte, ms: well inside the deadline. */
  private static final long TRICKLE_MS = 300;

  private final ScheduledExecutorService trickle = Executors.newScheduledThreadPool(2);
  private final List<Slow> slow = new ArrayList<>();
  private Vertx vertx;
  private int port;

  @AfterEach
  void close() throws Exception {
    trickle.shutdownNow();
    for (Slow client : slow) {
      client.socket.close();
    }
    if (vertx != null) {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void unfinishedRequestsAreClosedAtTheDeadlineAndCountInTheCapMeanwhile() throws Exception {
    start();
    String upgrade = "GET /ws?roomId=slow&ClientId=slow HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n"
      + "Upgrade: websocket\r\nConnection: Upgrade\r\n";
    for (int i = 0; i < SLOW; i++) {
      slow.add(new Slow("127.0.0.2", upgrade, "X-Slow: %d\r\n"));
    }

    // beyond the cap the unfinished ones count: a new connection from that address has 1 s to send its request head
    // (these never do), and is closed without an answer
    for (int i = CAP; i < SLOW; i++) {
      Slow client = slow.get(i);
      long after = client.closedAfterMs.get(DEADLINE_MS + 5_000, TimeUnit.MILLISECONDS);
      assertTrue(after < DEADLINE_MS, "connection " + i + " over the cap closed after " + after + " ms");
      assertEquals("", client.received.toString(), "no answer to connection " + i + " over the cap");
    }
    // while one whose head is whole, a WebSocket upgrade, is answered 429
    WebSocketClient fromSlowAddress = vertx.createWebSocketClient(new WebSocketClientOptions().setLocalAddress("127.0.0.2"));
    WebSocketConnectOptions join = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port)
      .setURI("/ws?roomId=slow&ClientId=late");
    UpgradeRejectedException refused = assertThrows(UpgradeRejectedException.class,
      () -> fromSlowAddress.connect(join).await(10, TimeUnit.SECONDS),
      "a WebSocket from the address whose cap the unfinished connections fill");
    assertEquals(429, refused.getStatus());

    // meanwhile two peers from another address join and signal, then again past the deadline of their own
    // connections: an upgraded connection is no longer watched
    try (TestPeer alice = TestPeer.join(vertx, port, "good", "alice");
         TestPeer bob = TestPeer.join(vertx, port, "good", "bob")) {
      alice.send(TestPeer.offer("bob", "v=0 before"));
      assertEquals("v=0 before", bob.next("offer").getJsonObject("data").getString("sdp"));

      // the unfinished ones are closed by the hub at the deadline, though they kept sending header lines
      for (int i = 0; i < CAP; i++) {
        Slow client = slow.get(i);
        long after = client.closedAfterMs.get(DEADLINE_MS + 5_000, TimeUnit.MILLISECONDS);
        assertTrue(after >= DEADLINE_MS - 100 && after <= DEADLINE_MS + 3_000,
          "connection " + i + " closed " + after + " ms after it opened, deadline " + DEADLINE_MS + " ms");
        assertTrue(client.sent.get() >= 4, "connection " + i + " sent " + client.sent + " lines before it was closed");
        assertEquals("", client.received.toString(), "no answer to an unfinished request");
      }
      vertx.timer(DEADLINE_MS).await(10, TimeUnit.SECONDS);
      alice.send(TestPeer.offer("bob", "v=0 after"));
      assertEquals("v=0 after", bob.next("offer").getJsonObject("data").getString("sdp"));
    }
    // and the address may connect again
    fromSlowAddress.connect(join).await(10, TimeUnit.SECONDS).close();

    String metrics = OpsTest.get(vertx, port, "/metrics").getString("body");
    assertTrue(OpsTest.metric(metrics, "signalhub_connections_refused_total{reason=\"handshake-timeout\"}") >= CAP);
    assertTrue(OpsTest.metric(metrics, "signalhub_connections_refused_total{reason=\"address-cap\"}") >= SLOW - CAP + 1);
  }

  @Test
  void aSlowBodyAndASlowSecondRequestOnAKeptAliveConnectionHaveTheSameDeadline() throws Exception {
    start();
    // the head of a join request arrives at once, its body one byte at a time
    Slow body = new Slow("127.0.0.3", "POST /rooms/join HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
      + "Content-Length: 1000\r\n\r\n{", " ");
    // a whole request, answered, then the next one a header line at a time
    Slow keptAlive = new Slow("127.0.0.3", "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", null);
    slow.add(body);
    slow.add(keptAlive);
    keptAlive.answered.get(10, TimeUnit.SECONDS);
    long answeredAt = System.nanoTime();
    keptAlive.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    keptAlive.trickle("X-Slow: %d\r\n");

    long bodyAfter = body.closedAfterMs.get(DEADLINE_MS + 5_000, TimeUnit.MILLISECONDS);
    assertTrue(bodyAfter >= DEADLINE_MS - 100 && bodyAfter <= DEADLINE_MS + 3_000, "slow body closed after " + bodyAfter + " ms");
    keptAlive.closedAfterMs.get(DEADLINE_MS + 5_000, TimeUnit.MILLISECONDS);
    long sinceAnswer = TimeUnit.NANOSECONDS.toMillis(keptAlive.closedAt - answeredAt);
    assertTrue(sinceAnswer >= DEADLINE_MS - 100 && sinceAnswer <= DEADLINE_MS + 3_000,
      "kept-alive connection closed " + sinceAnswer + " ms after its first answer");
    assertEquals(1, keptAlive.received.toString().split("HTTP/1.1 ", -1).length - 1, "one answer only");
  }

  private void start() throws Exception {
    vertx = Vertx.vertx(new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true)
      .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true))));
    SignalingHub hub = SignalingHub.create(vertx, new HubOptions().setAnonymous(true).setMaxConnectionsPerIp(CAP)
      .setHandshakeTimeoutMs(DEADLINE_MS));
    hub.deploy(new HubServerOptions().setPort(0).setDemo(false)).await(30, TimeUnit.SECONDS);
    port = hub.actualPort();
  }

  /**
   * A client on a plain socket from {@code localIp}: sends {@code first}, then {@code each} (with a running number)
   * every {@link #TRICKLE_MS}; records what it receives and when the hub closes the connection.
   */
  private final class Slow {
    final Socket socket = new Socket();
    final long opened;
    final StringBuffer received = new StringBuffer();
    final CompletableFuture<Void> answered = new CompletableFuture<>();
    final CompletableFuture<Long> closedAfterMs = new CompletableFuture<>();
    final AtomicInteger sent = new AtomicInteger();
    volatile long closedAt;
    private final OutputStream out;

    Slow(String localIp, String first, String each) throws IOException {
      socket.bind(new InetSocketAddress(localIp, 0));
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      opened = System.nanoTime();
      out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      Thread reader = new Thread(() -> {
        byte[] buffer = new byte[4096];
        try {
          for (int n; (n = in.read(buffer)) >= 0; ) {
            received.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
            answered.complete(null);
          }
        } catch (IOException reset) {
          // closed by the hub with a reset, or by the test
        }
        closedAt = System.nanoTime();
        closedAfterMs.complete(TimeUnit.NANOSECONDS.toMillis(closedAt - opened));
      }, "slow-client-reader");
      reader.setDaemon(true);
      reader.start();
      send(first);
      if (each != null) {
        trickle(each);
      }
    }

    void trickle(String each) {
      trickle.scheduleAtFixedRate(() -> {
        if (!closedAfterMs.isDone()) {
          send(String.format(each, sent.incrementAndGet()));
        }
      }, TRICKLE_MS, TRICKLE_MS, TimeUnit.MILLISECONDS);
    }

    void send(String text) {
      try {
        out.write(text.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
      } catch (IOException closed) {
        // the hub closed it; the reader records when
      }
    }
  }
}
