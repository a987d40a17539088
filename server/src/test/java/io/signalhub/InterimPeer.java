package io.signalhub;

import io.vertx.core.Vertx;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** INTERIM (replaced by the chaos ChaosPeer/History): a v1 peer that sends a numbered ice-candidate to each peer in its view. */
final class InterimPeer {

  record Event(long t, String kind, String other, long n, String text) {
  }

  final String id;
  final List<Event> events = new CopyOnWriteArrayList<>();
  private final Set<String> view = new HashSet<>();
  private final Map<String, Long> nextN = new HashMap<>();
  private final WebSocketClient client;
  private ClientWebSocket ws;
  private long timer;
  private final Vertx vertx;

  InterimPeer(Vertx vertx, String host, int port, String room, String id, long intervalMs) throws Exception {
    this.vertx = vertx;
    this.id = id;
    client = vertx.createWebSocketClient();
    ClientWebSocket socket = client.webSocket();
    socket.textMessageHandler(this::onText);
    socket.closeHandler(v -> events.add(new Event(System.nanoTime(), "closed", null, socket.closeStatusCode(), null)));
    ws = socket;
    socket.connect(new WebSocketConnectOptions().setHost(host).setPort(port)
      .setURI("/ws?roomId=" + room + "&ClientId=" + id)).await(10, TimeUnit.SECONDS);
    timer = vertx.setPeriodic(intervalMs, t -> tick());
  }

  private synchronized void onText(String text) {
    JsonObject f = new JsonObject(text);
    long t = System.nanoTime();
    JsonObject data = f.getJsonObject("data", new JsonObject());
    switch (f.getString("type")) {
      case "welcome" -> {
        JsonArray peers = data.getJsonArray("peers", new JsonArray());
        view.clear();
        peers.forEach(p -> view.add((String) p));
        events.add(new Event(t, "welcome", String.join(",", view), 0, null));
      }
      case "peer-joined" -> {
        view.add(data.getString("id"));
        events.add(new Event(t, "joined", data.getString("id"), 0, null));
      }
      case "peer-left" -> {
        view.remove(data.getString("id"));
        events.add(new Event(t, "left", data.getString("id"), 0, data.getString("reason")));
      }
      case "ice-candidate" -> events.add(new Event(t, "received", f.getString("from"), data.getLong("n", -1L), null));
      case "error" -> events.add(new Event(t, "error", data.getString("to"), 0, data.getString("code")));
      default -> {
      }
    }
  }

  private synchronized void tick() {
    for (String to : view) {
      long n = nextN.merge(to, 1L, Long::sum);
      events.add(new Event(System.nanoTime(), "sent", to, n, null));
      ws.writeTextMessage(new JsonObject().put("type", "ice-candidate").put("to", to)
        .put("data", new JsonObject().put("n", n).put("candidate", "candidate:1 1 udp 1 10.0.0.1 9 typ host")).encode());
    }
  }

  synchronized Set<String> view() {
    return new HashSet<>(view);
  }

  void close() {
    vertx.cancelTimer(timer);
    ws.close();
    client.close();
  }
}
