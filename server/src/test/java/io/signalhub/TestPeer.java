package io.signalhub;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * A protocol-v1 test client over a real WebSocket: frames received are queued and taken in order with a
 * bounded wait (no sleeps).
 */
final class TestPeer implements AutoCloseable {

  static final Duration WAIT = Duration.ofSeconds(10);

  private final WebSocketClient client;
  private final ClientWebSocket ws;
  private final BlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
  private final Map<JsonObject, Long> receivedAt = Collections.synchronizedMap(new IdentityHashMap<>());
  private final CompletableFuture<Short> closed = new CompletableFuture<>();
  /** When the socket closed ({@link System#nanoTime()}), once it has. */
  private volatile long closedAt;

  private TestPeer(WebSocketClient client, ClientWebSocket ws) {
    this.client = client;
    this.ws = ws;
    // handlers are set before the socket connects: no frame, and no close, can come first
    ws.textMessageHandler(text -> {
      JsonObject frame = new JsonObject(text);
      receivedAt.put(frame, System.nanoTime());
      frames.add(frame);
    });
    ws.closeHandler(v -> {
      closedAt = System.nanoTime();
      closed.complete(ws.closeStatusCode());
    });
  }

  /** Connects to {@code ws://127.0.0.1:<port><uri>}. */
  static TestPeer connect(Vertx vertx, int port, String uri) throws Exception {
    return connectAsync(vertx, port, uri).await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Connects to a URI the hub refuses at once. Vert.x 5.0's {@code ClientWebSocket} installs its handlers after
   * the handshake completes; when the hub's error frame and close came in the same read, that can find the socket
   * closed already and fail the connect with "WebSocket is closed" (a client-side race): then connect once more.
   */
  static TestPeer connectRefused(Vertx vertx, int port, String uri) throws Exception {
    try {
      return connect(vertx, port, uri);
    } catch (Exception raced) {
      for (Throwable t = raced; t != null; t = t.getCause()) {
        if (t instanceof IllegalStateException && "WebSocket is closed".equals(t.getMessage())) {
          return connect(vertx, port, uri);
        }
      }
      throw raced;
    }
  }

  /** Starts connecting to {@code ws://127.0.0.1:<port><uri>}, for connections that race. */
  static Future<TestPeer> connectAsync(Vertx vertx, int port, String uri) {
    WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxFrameSize(1 << 20).setMaxMessageSize(1 << 20));
    TestPeer peer = new TestPeer(client, client.webSocket());
    return peer.ws.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI(uri)).map(ws -> peer);
  }

  /** Connects with {@code ?roomId=<room>&ClientId=<id>} and returns once {@code welcome} arrived. */
  static TestPeer join(Vertx vertx, int port, String room, String id) throws Exception {
    TestPeer peer = connect(vertx, port, "/ws?roomId=" + room + "&ClientId=" + id);
    JsonObject welcome = peer.next();
    assertEquals("welcome", welcome.getString("type"), welcome.encode());
    return peer;
  }

  TestPeer send(JsonObject frame) throws Exception {
    ws.writeTextMessage(frame.encode()).await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    return this;
  }

  /** Queues a frame without waiting for it to be written (frames queued by one thread keep their order). */
  void sendNoWait(JsonObject frame) {
    ws.writeTextMessage(frame.encode());
  }

  TestPeer sendText(String text) throws Exception {
    ws.writeTextMessage(text).await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    return this;
  }

  TestPeer sendBinary(Buffer data) throws Exception {
    ws.writeBinaryMessage(data).await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    return this;
  }

  /** The next frame received, waiting up to {@link #WAIT}. */
  JsonObject next() throws InterruptedException {
    JsonObject frame = frames.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    assertNotNull(frame, "no frame received within " + WAIT);
    return frame;
  }

  /** The next frame, which must have type {@code type}. */
  JsonObject next(String type) throws InterruptedException {
    JsonObject frame = next();
    assertEquals(type, frame.getString("type"), "unexpected frame " + frame.encode());
    return frame;
  }

  /** How long after {@code startNanos} ({@link System#nanoTime()}) the socket closed, in ms; call after {@link #awaitClose()}. */
  long closedAfterMs(long startNanos) {
    return TimeUnit.NANOSECONDS.toMillis(closedAt - startNanos);
  }

  /** Waits for the socket to be closed by the hub and returns the close code. */
  short awaitClose() throws Exception {
    return closed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Connects from {@code context}: the socket lives on its event loop, so that {@link #sendIfOpen} called there sees
   * the hub's close frame the moment it is read, as a browser does.
   */
  static TestPeer connectOn(Context context, int port, String uri) throws Exception {
    CompletableFuture<TestPeer> connected = new CompletableFuture<>();
    context.runOnContext(v -> connectAsync(context.owner(), port, uri).onComplete(ar -> {
      if (ar.succeeded()) {
        connected.complete(ar.result());
      } else {
        connected.completeExceptionally(ar.cause());
      }
    }));
    return connected.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Writes {@code frame} unless the hub's close frame has arrived (what a browser's {@code send()} does in state
   * CLOSING, and {@code /client.js}'s {@code send} returning {@code false}); whether it was written. Called on the
   * socket's context ({@link #connectOn}), a frame it writes goes out before the client's half of the closing
   * handshake, so the hub reads it.
   */
  boolean sendIfOpen(JsonObject frame) {
    if (ws.isClosed()) {
      return false;
    }
    ws.writeTextMessage(frame.encode());
    return true;
  }

  /** When {@code frame} (one returned by {@link #next()}) was received, in {@link System#nanoTime()}. */
  long receivedAt(JsonObject frame) {
    return receivedAt.get(frame);
  }

  /** Number of frames received and not yet taken. */
  int pending() {
    return frames.size();
  }

  @Override
  public void close() throws Exception {
    if (!closed.isDone()) {
      ws.close().await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }
    client.close();
  }

  /** Starts a normal close (1000) without waiting for it: for peers that leave at the same time. */
  Future<Void> closeAsync() {
    return (closed.isDone() ? Future.<Void>succeededFuture() : ws.close()).eventually(client::close);
  }

  static JsonObject offer(String to, String sdp) {
    return new JsonObject().put("type", "offer").put("to", to).put("data", new JsonObject().put("type", "offer").put("sdp", sdp));
  }
}
