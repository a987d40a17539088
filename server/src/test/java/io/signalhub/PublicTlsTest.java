package io.signalhub;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.signalhub.verticles.HubOptions;
import io.signalhub.verticles.WsIngressVerticle;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.PemTrustOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.net.Socket;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static io.signalhub.RealWebRtcE2ETest.CHROMIUM;
import static io.signalhub.RealWebRtcE2ETest.require;
import static io.signalhub.RealWebRtcE2ETest.requireNodeModules;
import static io.signalhub.RealWebRtcE2ETest.runNode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * TLS on the hub's own server ({@code tlsCert}, {@code tlsKey}; docs/configuration.md, "TLS for clients"), with
 * certificates of a test CA: {@code wss://} from Vert.x, from Node's {@code ws} and from headless Chromium (the demo
 * page over HTTPS, its WebSocket over {@code wss://}); a plain {@code ws://} to the port is refused; a renewed
 * certificate written over the files is served to new connections without a restart, while an open one goes on.
 */
class PublicTlsTest {

  private static final long RELOAD_CHECK_MS = 200;

  private Vertx vertx;
  private final List<WebSocketClient> clients = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    if (vertx != null) {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void wssFromVertxNodeAndChromiumPlainWsRefusedAndARenewedCertificatePickedUp(@TempDir Path dir) throws Exception {
    TestPki pki = new TestPki(dir);
    Path ca1 = pki.ca("ca-one");
    TestPki.Issued first = pki.signed("hub-one", "ca-one", ca1);
    Path ca2 = pki.ca("ca-two");
    TestPki.Issued renewed = pki.signed("hub-two", "ca-two", ca2);
    Path cert = dir.resolve("live-cert.pem");
    Path key = dir.resolve("live-key.pem");
    Files.copy(first.cert(), cert);
    Files.copy(first.key(), key);

    vertx = Vertx.vertx();
    SignalingHub hub = SignalingHub.create(vertx, new HubOptions().setAnonymous(true));
    hub.deploy(new HubServerOptions().setPort(0).setTlsCert(cert.toString()).setTlsKey(key.toString())
      .setTlsReloadCheckMs(RELOAD_CHECK_MS)).await(30, TimeUnit.SECONDS);
    int port = hub.actualPort();

    BlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
    ClientWebSocket open = connect(port, ca1, "alice", frames);
    assertEquals("welcome", frames.poll(10, TimeUnit.SECONDS).getString("type"), "wss:// trusting the hub's CA");
    assertThrows(Exception.class, () -> TestPeer.connect(vertx, port, "/ws?roomId=tls&ClientId=plain"),
      "plain ws:// to the TLS port");

    requireNodeModules();
    JsonObject node = runNode("wss-client.js", "wss://127.0.0.1:" + port + "/ws?roomId=tls-node&ClientId=node", ca1.toString());
    System.out.println("wss:// from Node's ws: " + node.encode());
    require(new File(CHROMIUM).canExecute(), "Chromium at " + CHROMIUM + " (apt-get install chromium)");
    JsonObject browser = runNode("chromium-demo.js", "https://127.0.0.1:" + port, "tls-demo");
    System.out.println("the demo page over HTTPS and wss:// in Chromium: " + browser.encode());

    // a renewal: new files in place, picked up by the next check, for new connections only
    CompletableFuture<Void> applied = new CompletableFuture<>();
    AppenderBase<ILoggingEvent> tlsLog = new AppenderBase<>() {
      @Override
      protected void append(ILoggingEvent event) {
        if (event.getFormattedMessage().startsWith("TLS certificate")) {
          applied.complete(null);
        }
      }
    };
    Logger ingressLog = (Logger) LoggerFactory.getLogger(WsIngressVerticle.class);
    tlsLog.start();
    ingressLog.addAppender(tlsLog);
    try {
      Files.copy(renewed.cert(), cert, StandardCopyOption.REPLACE_EXISTING);
      Files.copy(renewed.key(), key, StandardCopyOption.REPLACE_EXISTING);
      applied.get(10, TimeUnit.SECONDS); // the hub logs "TLS certificate ... applied to new connections"
    } finally {
      ingressLog.detachAppender(tlsLog);
    }
    ClientWebSocket second = connect(port, ca2, "bob", new LinkedBlockingQueue<>());
    assertFalse(second.isClosed(), "the renewed certificate (another CA) is served");
    assertThrows(Exception.class, () -> connect(port, ca1, "carol", new LinkedBlockingQueue<>()),
      "the first certificate is no longer served");
    JsonObject joined = frames.poll(10, TimeUnit.SECONDS);
    assertEquals("bob", joined.getJsonObject("data").getString("id"), "the open connection goes on: " + joined.encode());
    assertFalse(open.isClosed());
  }

  /** A wss:// connection trusting only {@code ca}, joining room {@code tls} as {@code id}. */
  @Test
  void aStalledTlsHandshakeAndAnUnfinishedRequestAfterItAreClosedAtHandshakeTimeoutMs(@TempDir Path dir) throws Exception {
    long deadlineMs = 1_000;
    TestPki pki = new TestPki(dir);
    Path ca = pki.ca("ca");
    TestPki.Issued issued = pki.signed("hub", "ca", ca);
    vertx = Vertx.vertx();
    SignalingHub hub = SignalingHub.create(vertx, new HubOptions().setAnonymous(true).setHandshakeTimeoutMs(deadlineMs));
    hub.deploy(new HubServerOptions().setPort(0).setTlsCert(issued.cert().toString())
      .setTlsKey(issued.key().toString())).await(30, TimeUnit.SECONDS);
    int port = hub.actualPort();

    // a TCP connection that never begins its TLS handshake
    try (Socket silent = new Socket("127.0.0.1", port)) {
      silent.setSoTimeout(20_000);
      long opened = System.nanoTime();
      int read;
      try {
        read = silent.getInputStream().read();
      } catch (SocketException reset) {
        read = -1;
      }
      long after = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - opened);
      assertEquals(-1, read);
      assertTrue(after >= deadlineMs - 100 && after < deadlineMs + 5_000, "silent connection closed after " + after + " ms");
    }

    // a TLS connection whose upgrade request never ends, though a header line comes every 200 ms
    // (the client is kept, and closed at the end: Vert.x closes a client that is no longer reachable)
    NetClient net = vertx.createNetClient(new NetClientOptions().setSsl(true).setHostnameVerificationAlgorithm("")
      .setTrustOptions(new PemTrustOptions().addCertPath(ca.toString())));
    NetSocket slow = net.connect(port, "127.0.0.1").await(10, TimeUnit.SECONDS);
    long handshaken = System.nanoTime();
    CompletableFuture<Long> closedAfterMs = new CompletableFuture<>();
    long trickle = vertx.setPeriodic(200, t -> slow.write("X-Slow: " + t + "\r\n"));
    slow.closeHandler(v -> {
      vertx.cancelTimer(trickle);
      closedAfterMs.complete(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - handshaken));
    });
    slow.write("GET /ws?roomId=tls&ClientId=slow HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n");
    long after = closedAfterMs.get(deadlineMs + 5_000, TimeUnit.MILLISECONDS);
    assertTrue(after >= deadlineMs - 100 && after < deadlineMs + 5_000, "unfinished request closed after " + after + " ms");

    // while a wss:// client that goes at a normal pace is served, and stays open past the deadline
    BlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
    ClientWebSocket ws = connect(port, ca, "alice", frames);
    assertEquals("welcome", frames.poll(10, TimeUnit.SECONDS).getString("type"));
    CompletableFuture<Short> closed = new CompletableFuture<>();
    ws.closeHandler(v -> closed.complete(ws.closeStatusCode()));
    vertx.timer(2 * deadlineMs).await(10, TimeUnit.SECONDS);
    assertFalse(closed.isDone(), "the WebSocket is open after twice the deadline, closed with " + closed.getNow(null));
    ws.close();
    net.close();
  }

  private ClientWebSocket connect(int port, Path ca, String id, BlockingQueue<JsonObject> frames) throws Exception {
    WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions().setSsl(true)
      .setTrustOptions(new PemTrustOptions().addCertPath(ca.toString())));
    clients.add(client); // reachable until the test ends: Vert.x closes a client, and its WebSockets, once it is not
    ClientWebSocket ws = client.webSocket();
    ws.textMessageHandler(text -> frames.add(new JsonObject(text)));
    ws.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setSsl(true)
      .setURI("/ws?roomId=tls&ClientId=" + id)).await(10, TimeUnit.SECONDS);
    return ws;
  }
}
