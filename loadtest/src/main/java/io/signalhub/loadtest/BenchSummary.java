package io.signalhub.loadtest;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The table of {@code scripts/bench}, in Markdown, from the load tool's JSON reports of one bench directory
 * ({@code <server>-setup.json}, {@code <server>-ladder.json}, {@code <server>-half.json},
 * {@code <server>-aftersetup.json} for the servers {@code hub1}, {@code hub2}, {@code peerjs}, {@code relay}):
 * sustained rate (msg/s), latencies (ms) and server CPU (µs per delivered message) at the common fixed rate,
 * set-up time, heap per connection (bytes), the ratios between servers, and the performance targets (docs/benchmarks.md):
 * CPU per message at 10000 msg/s and set-up time within 1.25× of the raw relay's, p99 ≤ 10 ms in the step right
 * after a set-up, heap per idle connection within 4 KiB of the relay's, p99 ≤ 2 ms at half the sustained rate,
 * a cross-node message within 1.5× of a same-node one.
 *
 * <p>{@code BenchSummary DIR [FIXED_RATE]} prints the Markdown (FIXED_RATE: the common rate, msg/s, default 5000); {@code BenchSummary --half-rate hub1-ladder.json} prints
 * half of that run's sustained rate (rounded down to 100 msg/s), for the bench's half-rate step.
 */
public final class BenchSummary {

  private static final String[] SERVERS = {"hub1", "hub2", "peerjs", "relay"};
  private static final Map<String, String> NAMES = Map.of("hub1", "signalhub, 1 node", "hub2",
    "signalhub, 2 nodes (pairs split)", "peerjs", "PeerJS server 1.0.2", "relay", "raw Vert.x relay");

  private BenchSummary() {
  }

  /** See the class comment. */
  public static void main(String[] args) throws Exception {
    if (args.length == 2 && args[0].equals("--half-rate")) {
      JsonObject r = new JsonObject(Files.readString(Path.of(args[1])));
      System.out.println((long) (r.getDouble("maxSustainedRate", 0.0) / 2 / 100) * 100);
      return;
    }
    System.out.print(markdown(Path.of(args[0]), args.length > 1 ? Double.parseDouble(args[1]) : 5000));
  }

  static String markdown(Path dir, double fixed) throws Exception {
    Map<String, JsonObject[]> runs = new LinkedHashMap<>();
    JsonObject machine = null;
    JsonObject config = null;
    for (String s : SERVERS) {
      JsonObject[] r = {read(dir, s + "-setup"), read(dir, s + "-ladder"), read(dir, s + "-half"),
        read(dir, s + "-aftersetup")};
      if (r[0] != null || r[1] != null) {
        runs.put(s, r);
        JsonObject any = r[1] != null ? r[1] : r[0];
        machine = machine == null ? any.getJsonObject("machine") : machine;
        if (r[1] != null && config == null) {
          config = r[1].getJsonObject("config");
        }
      }
    }
    StringBuilder b = new StringBuilder();
    String setupRooms = "?";
    for (JsonObject[] r : runs.values()) {
      if (r[0] != null) {
        setupRooms = String.valueOf(r[0].getJsonObject("setup").getInteger("rooms"));
        break;
      }
    }
    double half = 0;
    for (JsonObject[] r : runs.values()) {
      if (r[2] != null) {
        half = r[2].getJsonObject("config").getJsonArray("rates").getDouble(0);
        break;
      }
    }
    b.append(String.format(Locale.ROOT, "| server | sustained rate, msg/s (p99 ≤ 10 ms, no loss) | p50 / p99 ms at %.0f msg/s "
        + "| server CPU µs/msg at %.0f msg/s | generator lag p99 ms at %.0f msg/s | p50 / p99 ms at %.0f msg/s (half hub) "
        + "| %s rooms × 2 set up, s | room set-up p99, ms | heap per idle connection, bytes | lost |%n",
      fixed, fixed, fixed, half, setupRooms));
    b.append("|---|---|---|---|---|---|---|---|---|---|\n");
    Map<String, Double> rate = new LinkedHashMap<>();
    Map<String, Double> cpu = new LinkedHashMap<>();
    Map<String, Double> p99Half = new LinkedHashMap<>();
    Map<String, Double> setupS = new LinkedHashMap<>();
    Map<String, Long> heap = new LinkedHashMap<>();
    for (Map.Entry<String, JsonObject[]> e : runs.entrySet()) {
      JsonObject setup = e.getValue()[0];
      JsonObject ladder = e.getValue()[1];
      JsonObject halfRun = e.getValue()[2];
      JsonObject fixedStep = step(ladder, fixed);
      JsonObject halfStep = halfRun == null ? null : step(halfRun, half);
      long lost = 0;
      for (JsonObject r : e.getValue()) {
        if (r != null) {
          lost += r.getJsonObject("setup").getLong("lost");
          for (Object o : r.getJsonArray("steps", new JsonArray())) {
            lost += ((JsonObject) o).getLong("lost");
          }
        }
      }
      if (ladder != null) {
        rate.put(e.getKey(), ladder.getDouble("maxSustainedRate"));
      }
      if (fixedStep != null && fixedStep.getValue("serverCpuUsPerMessage") != null) {
        cpu.put(e.getKey(), fixedStep.getDouble("serverCpuUsPerMessage"));
      }
      if (halfStep != null) {
        p99Half.put(e.getKey(), halfStep.getJsonObject("latencyMs").getDouble("p99"));
      }
      JsonObject s = setup == null ? null : setup.getJsonObject("setup");
      if (s != null && s.getBoolean("allRoomsSetUp")) {
        setupS.put(e.getKey(), s.getDouble("wallMs") / 1000);
      }
      if (setup != null && setup.getJsonObject("heap") != null) {
        heap.put(e.getKey(), setup.getJsonObject("heap").getLong("bytesPerConnection"));
      }
      b.append("| ").append(NAMES.get(e.getKey()))
        .append(" | ").append(ladder == null ? "-" : String.format(Locale.ROOT, "%.0f", ladder.getDouble("maxSustainedRate"))
          + (ladder.getBoolean("ladderStoppedEarly") ? "" : " (top of the ladder)"))
        .append(" | ").append(lat(fixedStep))
        .append(" | ").append(fixedStep == null || fixedStep.getValue("serverCpuUsPerMessage") == null ? "-"
          : String.format(Locale.ROOT, "%.1f", fixedStep.getDouble("serverCpuUsPerMessage")))
        .append(" | ").append(fixedStep == null ? "-" : fixedStep.getJsonObject("sendLagMs").getValue("p99"))
        .append(" | ").append(lat(halfStep))
        .append(" | ").append(s == null ? "-" : s.getBoolean("allRoomsSetUp")
          ? String.format(Locale.ROOT, "%.1f", s.getDouble("wallMs") / 1000)
          : "incomplete (" + s.getInteger("roomsSetUp") + " set up, " + s.getInteger("roomsFailed") + " failed)")
        .append(" | ").append(s == null ? "-" : s.getJsonObject("roomSetupMs").getValue("p99"))
        .append(" | ").append(heap.containsKey(e.getKey()) ? String.valueOf(heap.get(e.getKey())) : "-")
        .append(" | ").append(lost).append(" |\n");
    }
    b.append("\nRatios (from this one run):\n\n");
    ratio(b, "sustained rate, hub 1 node / PeerJS server", rate, "hub1", "peerjs", 3, true);
    ratio(b, "sustained rate, hub 1 node / raw relay", rate, "hub1", "relay", 0.8, true);
    ratio(b, "sustained rate, hub 2 nodes / hub 1 node", rate, "hub2", "hub1", 0, true);
    // CPU per message falls with the rate (a fixed background cost spread over more messages): compare at the
    // highest rate both servers ran
    for (String other : new String[]{"peerjs", "relay"}) {
      JsonObject[] h = runs.get("hub1");
      JsonObject[] o = runs.get(other);
      if (h == null || o == null || h[1] == null || o[1] == null) {
        continue;
      }
      double common = 0;
      for (Object x : h[1].getJsonArray("steps")) {
        JsonObject hs = (JsonObject) x;
        JsonObject os = step(o[1], hs.getDouble("targetRate"));
        if ("step".equals(hs.getString("name")) && os != null && hs.getValue("serverCpuUsPerMessage") != null
          && os.getValue("serverCpuUsPerMessage") != null) {
          common = Math.max(common, hs.getDouble("targetRate"));
        }
      }
      if (common > 0) {
        double hc = step(h[1], common).getDouble("serverCpuUsPerMessage");
        double oc = step(o[1], common).getDouble("serverCpuUsPerMessage");
        b.append(String.format(Locale.ROOT, "- CPU-bound rate on one core (10^6 / server µs per message, at %.0f msg/s, "
            + "the highest rate both ran: %.1f and %.1f µs), hub 1 node / %s: %.2f× (target ≥ %.1f×: %s)%n", common, hc, oc,
          NAMES.get(other), oc / hc, other.equals("peerjs") ? 3.0 : 0.8,
          oc / hc >= (other.equals("peerjs") ? 3.0 : 0.8) ? "met" : "NOT met"));
      }
    }
    ratio(b, "server CPU per message at the fixed rate, hub 1 node / raw relay", cpu, "hub1", "relay", 0, false);
    ratio(b, "server CPU per message at the fixed rate, hub 1 node / PeerJS server", cpu, "hub1", "peerjs", 0, false);
    ratio(b, "server CPU per message at the fixed rate, hub 2 nodes / hub 1 node", cpu, "hub2", "hub1", 0, false);
    b.append("\nTargets (each against the raw relay of this run where it is a ratio):\n\n");
    targetRatio(b, "server CPU per message at 10000 msg/s, hub 1 node ÷ raw relay", cpuAt(runs, "hub1", 10_000),
      cpuAt(runs, "relay", 10_000), 1.25);
    targetRatio(b, setupRooms + " rooms × 2 set up, hub 1 node ÷ raw relay", setupS.get("hub1"), setupS.get("relay"), 1.25);
    JsonObject after = runs.containsKey("hub1") ? runs.get("hub1")[3] : null;
    if (after != null) {
      double afterRate = after.getJsonObject("config").getJsonArray("rates").getDouble(0);
      JsonObject afterStep = step(after, afterRate);
      Double afterP99 = afterStep == null ? null : afterStep.getJsonObject("latencyMs").getDouble("p99");
      target(b, String.format(Locale.ROOT, "p99 ≤ 10 ms in the step right after a set-up of %d rooms × 2 (%.0f msg/s), "
          + "hub 1 node", after.getJsonObject("setup").getInteger("rooms"), afterRate),
        afterP99, afterP99 != null && afterP99 <= 10 && afterStep.getBoolean("pass"), " ms");
    }
    Long h = heap.get("hub1");
    Long hr = heap.get("relay");
    Double extra = h == null || hr == null ? null : (double) (h - hr);
    target(b, "heap per idle connection within 4 KiB (4096 bytes) of the raw relay's, hub 1 node", extra,
      extra != null && extra <= 4096, " bytes more");
    Double halfP99 = p99Half.get("hub1");
    target(b, "p99 ≤ 2 ms at half the hub's sustained rate, 1 node", halfP99, halfP99 != null && halfP99 <= 2, " ms");
    targetRatio(b, "server CPU per cross-node message (2 nodes, summed) ÷ per same-node message (1 node), at the fixed rate",
      cpu.get("hub2"), cpu.get("hub1"), 1.5);
    JsonObject stormRun = read(dir, "hub2-storm");
    JsonObject storm = stormRun == null ? null : stormRun.getJsonObject("storm");
    if (storm != null) {
      Double whole = storm.getDouble("allWholeMs");
      target(b, String.format(Locale.ROOT, "reconnect storm, 2 nodes, kill -9 of the one holding %d of %d peers: every peer "
          + "back (welcome on the survivor) after %s s and every room's view whole after", storm.getInteger("peersDropped"),
          stormRun.getJsonObject("setup").getInteger("connections"),
          storm.getValue("allBackMs") == null ? "-" : String.format(Locale.ROOT, "%.2f", storm.getDouble("allBackMs") / 1000)),
        whole == null ? null : whole / 1000, storm.getBoolean("pass") && whole != null && whole <= 10_000, " s (goal ≤ 10 s)");
    }
    if (machine != null) {
      b.append("\nMachine: ").append(machine.getInteger("cores")).append(" cores visible to the generator (pinned), ")
        .append(machine.getString("cpu", "?")).append(", ").append(machine.getString("memory", "?")).append(", ")
        .append(machine.getString("java")).append(", ").append(machine.getString("os")).append('\n');
    }
    if (config != null) {
      b.append("Load: ").append(config.getInteger("peersPerRoom")).append(" peers per room, SDP ")
        .append(config.getInteger("sdpBytesMin")).append('-').append(config.getInteger("sdpBytesMax")).append(" bytes, ")
        .append(config.getInteger("candidatesEachWay")).append(" candidates each way, ladder rooms ")
        .append(config.getInteger("rooms")).append(", steps of ").append(config.getInteger("stepSeconds")).append(" s, ladder ")
        .append(config.getJsonArray("rates").encode()).append(" msg/s\n");
    }
    return b.toString();
  }

  private static JsonObject read(Path dir, String name) throws Exception {
    Path p = dir.resolve(name + ".json");
    return Files.isRegularFile(p) ? new JsonObject(Files.readString(p)) : null;
  }

  /** The first non-warm-up step at {@code rate} of a load tool report, or {@code null}. */
  static JsonObject step(JsonObject run, double rate) {
    if (run == null) {
      return null;
    }
    for (Object o : run.getJsonArray("steps", new JsonArray())) {
      JsonObject s = (JsonObject) o;
      if ("step".equals(s.getString("name")) && Math.abs(s.getDouble("targetRate") - rate) < 0.5) {
        return s;
      }
    }
    return null;
  }

  private static String lat(JsonObject step) {
    if (step == null) {
      return "-";
    }
    JsonObject l = step.getJsonObject("latencyMs");
    return l.getValue("p50") + " / " + l.getValue("p99") + (step.getBoolean("pass") ? "" : " (fail)");
  }

  private static void ratio(StringBuilder b, String what, Map<String, Double> m, String a, String c, double target,
                            boolean higherIsBetter) {
    Double x = m.get(a);
    Double y = m.get(c);
    if (x == null || y == null || y == 0) {
      return;
    }
    b.append(String.format(Locale.ROOT, "- %s: %.2f×", what, x / y));
    if (target > 0) {
      boolean met = higherIsBetter ? x / y >= target : x / y <= target;
      b.append(String.format(Locale.ROOT, " (target ≥ %.1f×: %s)", target, met ? "met" : "NOT met"));
    }
    b.append('\n');
  }

  /** The server CPU per message of {@code server}'s ladder step at {@code rate}, or {@code null}. */
  private static Double cpuAt(Map<String, JsonObject[]> runs, String server, double rate) {
    JsonObject[] r = runs.get(server);
    JsonObject s = r == null ? null : step(r[1], rate);
    return s == null || s.getValue("serverCpuUsPerMessage") == null ? null : s.getDouble("serverCpuUsPerMessage");
  }

  private static void targetRatio(StringBuilder b, String what, Double x, Double y, double atMost) {
    Double r = x == null || y == null || y == 0 ? null : x / y;
    b.append("- ").append(what).append(": ").append(r == null ? "not measured" : String.format(Locale.ROOT,
      "%.1f / %.1f = %.2f× (target ≤ %.2f×: %s)", x, y, r, atMost, r <= atMost ? "met" : "NOT met")).append('\n');
  }

  private static void target(StringBuilder b, String what, Double value, boolean met, String unit) {
    b.append("- ").append(what).append(": ").append(value == null ? "not measured"
      : String.format(Locale.ROOT, "%.2f%s, %s", value, unit, met ? "met" : "NOT met")).append('\n');
  }
}
