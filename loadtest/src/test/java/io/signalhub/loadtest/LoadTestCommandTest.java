package io.signalhub.loadtest;

import io.signalhub.HubServerOptions;
import io.signalhub.SignalingHub;
import io.signalhub.verticles.HubOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs the load tool for a few seconds against an in-JVM hub node (and against the raw relay) and checks
 * its report: every room set up, no message lost or misrouted, sent and received counts that add up,
 * percentiles present, the reports written. No timing is asserted.
 */
@ExtendWith(VertxExtension.class)
class LoadTestCommandTest {

  @Test
  void aShortRunAgainstOneNodeLosesNothingAndReportsPercentiles(Vertx vertx, @TempDir Path out) throws Exception {
    JsonObject report = runAgainstHub(vertx, new HubOptions().setAnonymous(true), out, "hub",
      "--rooms", "12", "--peers", "3", "--candidates", "4", "--sdp-bytes", "2048-4096",
      "--rate", "300,600", "--duration", "2", "--warmup", "1", "--slo-p99-ms", "100000", "--threads", "2");
    checkReport(report, 12, 3, 4, 3);
  }

  /**
   * More connections than a hub takes from one address (maxConnectionsPerIp, 100 by default) against a loopback
   * target, with no --local-address: the tool spreads them over loopback source addresses, as the README's command
   * needs.
   */
  @Test
  void moreConnectionsThanTheHubTakesFromOneAddressAreSpreadOverLoopbackAddresses(Vertx vertx, @TempDir Path out) throws Exception {
    HubOptions options = new HubOptions().setAnonymous(true);
    assertEquals(100, options.getMaxConnectionsPerIp(), "the default this test exceeds");
    JsonObject report = runAgainstHub(vertx, options, out, "spread", "--rooms", "80", "--peers", "2", "--candidates", "1",
      "--rate", "200", "--duration", "1", "--warmup", "0", "--slo-p99-ms", "100000");
    checkReport(report, 80, 2, 1, 1);
  }

  /** Runs the load tool with {@code args} against a hub node deployed here with {@code options}, then undeploys it. */
  private static JsonObject runAgainstHub(Vertx vertx, HubOptions options, Path out, String name, String... args) throws Exception {
    SignalingHub hub = SignalingHub.create(vertx, options);
    hub.deploy(new HubServerOptions().setPort(0)).await(20, TimeUnit.SECONDS);
    try {
      String[] all = new String[args.length + 2];
      all[0] = "--target";
      all[1] = "ws://127.0.0.1:" + hub.actualPort() + "/ws";
      System.arraycopy(args, 0, all, 2, args.length);
      return run(out, name, all);
    } finally {
      hub.undeploy().await(20, TimeUnit.SECONDS);
    }
  }

  @Test
  void theRawRelaySpeaksWhatTheLoadToolNeeds(Vertx vertx, @TempDir Path out) throws Exception {
    RawRelay relay = new RawRelay("127.0.0.1", 0);
    String id = vertx.deployVerticle(relay).await(20, TimeUnit.SECONDS);
    try {
      JsonObject report = run(out, "relay", "--target", "ws://127.0.0.1:" + relay.actualPort() + "/ws",
        "--rooms", "5", "--peers", "2", "--candidates", "2", "--rate", "200", "--duration", "1", "--warmup", "0",
        "--slo-p99-ms", "100000");
      checkReport(report, 5, 2, 2, 1);
    } finally {
      vertx.undeploy(id).await(20, TimeUnit.SECONDS);
    }
  }

  private static JsonObject run(Path out, String name, String... args) throws Exception {
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    LoadTestCommand command = new LoadTestCommand().console(new PrintStream(console, true, StandardCharsets.UTF_8));
    String[] all = new String[args.length + 4];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "--out";
    all[args.length + 1] = out.toString();
    all[args.length + 2] = "--name";
    all[args.length + 3] = name;
    int code = new CommandLine(command).execute(all);
    String text = console.toString(StandardCharsets.UTF_8);
    assertEquals(0, code, text);
    assertTrue(text.contains("result: PASS"), text);
    assertTrue(text.contains("setup"), "the progress and the final table are printed: " + text);
    Path json = out.resolve(name + ".json");
    Path html = out.resolve(name + ".html");
    assertTrue(Files.isRegularFile(json) && Files.isRegularFile(html));
    String page = Files.readString(html);
    assertTrue(page.contains("<svg") && page.contains("<polyline") && !page.contains("<script src"), "self-contained plots");
    return new JsonObject(Files.readString(json));
  }

  private static void checkReport(JsonObject report, int rooms, int peers, int candidates, int steps) {
    assertEquals("pass", report.getString("result"), report.encodePrettily());
    JsonObject setup = report.getJsonObject("setup");
    assertEquals(rooms, setup.getInteger("roomsSetUp"));
    assertEquals(0, setup.getInteger("roomsFailed"));
    assertEquals(rooms * peers, setup.getInteger("connections"));
    // per pair: an offer, an answer and the candidates each way
    long expected = (long) rooms * peers * (peers - 1) / 2 * (2 + 2L * candidates);
    assertEquals(expected, setup.getLong("sent"));
    assertEquals(expected, setup.getLong("received"));
    assertEquals(0, setup.getLong("misrouted"));
    assertEquals(0, setup.getLong("reordered"));
    assertEquals(rooms, setup.getJsonObject("roomSetupMs").getLong("count"));
    assertEquals(rooms * peers, setup.getJsonObject("connectJoinMs").getLong("count"));
    JsonArray stepList = report.getJsonArray("steps");
    assertEquals(steps, stepList.size());
    long total = 0;
    for (Object o : stepList) {
      JsonObject step = (JsonObject) o;
      long sent = step.getLong("sent");
      assertTrue(sent > 0, step.encode());
      assertEquals(sent, step.getLong("received"), "every message sent arrived: " + step.encode());
      assertEquals(0, step.getLong("lost"));
      assertEquals(0, step.getLong("duplicates"));
      assertEquals(0, step.getLong("misrouted"));
      assertEquals(0, step.getLong("reordered"), "each link's messages in the order sent");
      JsonObject latency = step.getJsonObject("latencyMs");
      assertEquals(sent, latency.getLong("count"));
      for (String p : new String[]{"p50", "p90", "p99", "p99.9", "max"}) {
        assertNotNull(latency.getDouble(p), p);
      }
      assertTrue(latency.getDouble("p50") <= latency.getDouble("p99") && latency.getDouble("p99") <= latency.getDouble("max"));
      assertTrue(step.getJsonArray("percentiles").size() > 3);
      long perSecond = 0;
      for (Object t : step.getJsonArray("timeline")) {
        perSecond += ((JsonObject) t).getLong("received");
      }
      assertEquals(step.getLong("received"), perSecond, "the per-second timeline adds up to the step's count");
      total += sent;
    }
    assertTrue(total > 0);
    assertEquals(false, report.getBoolean("lost"));
    assertTrue(report.getJsonObject("errors").isEmpty(), report.getJsonObject("errors").encode());
  }
}
