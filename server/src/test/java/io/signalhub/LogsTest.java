package io.signalhub;

import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A node's logs as an operator reads them ({@code logFormat=json}, docs/configuration.md, "Logs"): one JSON object
 * per line with the node's id; refusals (a browser origin, a token) and cluster membership changes logged with their
 * fields; a peer's join not logged at the default level.
 */
class LogsTest {

  private static final String SECRET = DialectsTest.SECRET;
  private static final long LOG_WAIT_MS = 20_000;

  @Test
  void jsonLogsAreOneObjectPerLineWithTheNodeAndTheRefusalsAndMembershipChanges(@TempDir Path dir) throws Exception {
    Path config = NodeProcess.clusterConfig(dir, 2);
    Vertx vertx = Vertx.vertx();
    try (NodeProcess first = NodeProcess.start(config, "logFormat=json", "anonymous=false", "jwtSecret=" + SECRET)) {
      WebSocketClient client = vertx.createWebSocketClient();
      // a browser page of another origin: 403
      WebSocketConnectOptions foreign = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(first.port())
        .setURI("/ws?roomId=r&ClientId=alice").addHeader("Origin", "https://evil.example");
      assertThrows(Exception.class, () -> client.connect(foreign).await(10, TimeUnit.SECONDS));
      // a token that is not one: error frame and close 1008
      TestPeer refused = TestPeer.connect(vertx, first.port(), "/ws?roomId=r&ClientId=bob&token=not-a-jwt");
      assertEquals(1008, refused.awaitClose());

      JsonObject origin = await(first, o -> "origin".equals(kv(o, "reason")));
      assertEquals("https://evil.example", kv(origin, "origin"));
      assertEquals("INFO", origin.getString("level"));
      JsonObject token = await(first, o -> "unauthorized".equals(kv(o, "reason")));
      assertEquals("bob", kv(token, "peer"));
      assertEquals("127.0.0.1", kv(token, "ip"));

      try (NodeProcess second = NodeProcess.start(config, "logFormat=json", "anonymous=true")) {
        JsonObject joined = await(first, o -> "member-joined".equals(kv(o, "event")));
        assertEquals(second.nodeId(), kv(joined, "member"));
        // a peer joins and leaves: nothing per join at the default level
        TestPeer.join(vertx, second.port(), "quiet", "carol").close();
      }
      JsonObject left = await(first, o -> "member-left".equals(kv(o, "event")));
      assertEquals("WARN", left.getString("level"));

      List<JsonObject> lines = lines(first.output());
      assertTrue(lines.size() > 3, first.output());
      int started = 0;
      while (!lines.get(started).getString("formattedMessage", "").startsWith("signalhub listening on")) {
        started++; // before, the cluster member starts: its id is not known yet
      }
      for (JsonObject line : lines.subList(started, lines.size())) {
        assertEquals(first.nodeId(), line.getJsonObject("context").getJsonObject("properties").getString("node"),
          "every line names the node: " + line.encode());
      }
      assertFalse(lines.stream().anyMatch(o -> o.getString("formattedMessage", "").contains("joined room")), "no line per join");
      assertFalse(first.output().contains("already registered"), "no meter registration warning (issue 17, item 4)");
    } finally {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
  }

  /** The value of key {@code key} in a JSON line's {@code kvpList}, or {@code null}. */
  private static String kv(JsonObject line, String key) {
    return line.getJsonArray("kvpList", new io.vertx.core.json.JsonArray()).stream().map(JsonObject.class::cast)
      .filter(o -> o.containsKey(key)).map(o -> String.valueOf(o.getValue(key))).findFirst().orElse(null);
  }

  /**
   * Every line of the node's output from the first JSON one (the JVM's own start-up warnings, if any, come before
   * logback is set up), each parsed: a line that is not a JSON object fails.
   */
  private static List<JsonObject> lines(String output) {
    List<JsonObject> out = new ArrayList<>();
    for (String line : output.split("\n")) {
      if (line.isBlank() || (out.isEmpty() && !line.startsWith("{"))) {
        continue;
      }
      try {
        out.add(new JsonObject(line));
      } catch (RuntimeException e) {
        fail("not a JSON object: " + line);
      }
    }
    return out;
  }

  /** The first line that {@code matches}, waiting (at most 20 s) for the node to write it. */
  private static JsonObject await(NodeProcess node, Predicate<JsonObject> matches) throws Exception {
    return node.awaitOutput("such a line", text -> {
      for (JsonObject line : lines(text)) {
        if (matches.test(line)) {
          return line;
        }
      }
      return null;
    }, Duration.ofMillis(LOG_WAIT_MS));
  }
}
