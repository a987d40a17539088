package io.signalhub.loadtest;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The table of {@code scripts/scaling-check} (docs/scaling.md), in Markdown, from one directory of its results: the
 * per-node costs measured on one and two nodes, the model's prediction for three nodes beside what three nodes
 * measured, and the model's projection for {@value #NODES} nodes.
 *
 * <p>The model: a node costs {@code b} µs of CPU per second when idle (cluster upkeep); a message costs {@code s} µs
 * when both peers are on one node and {@code x} µs (summed over both nodes) when they are on two; so {@code N} nodes
 * at {@code R} msg/s with a share {@code f} of messages between nodes cost {@code (1-f)·s + f·x + N·b/R} µs per
 * message. A room's set-up (two connections, two joins, an offer, an answer and the candidates) costs {@code j1} ms
 * on one node and {@code j2} ms split over two, plus {@code o} ms on each node that holds none of its peers (its share
 * of the stores' operations, and the room events every node receives). The stores hold one entry per room and one per peer, each
 * kept twice (a primary and a backup, {@code backup-count} 1) once there are two nodes or more.
 *
 * <p>{@code ScalingSummary DIR RATE} prints the Markdown (RATE: the step's rate, msg/s).
 */
public final class ScalingSummary {

  /** The projection's cluster: nodes, peers and rooms of two. */
  static final int NODES = 100;
  static final long PEERS = 1_000_000;
  static final long ROOMS = 500_000;
  /** The projection's churn: a session's mean length, s (every peer joins once per session). */
  static final double SESSION_SECONDS = 600;
  /** The projection's reconcile period: {@code reconcileIntervalMs}'s default, s. */
  static final double RECONCILE_SECONDS = 30;

  private ScalingSummary() {
  }

  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: ScalingSummary DIR RATE");
      System.exit(2);
    }
    System.out.print(markdown(Path.of(args[0]), Double.parseDouble(args[1])));
  }

  /** One run of the check: the load tool's report, the CPU file and the nodes' metrics. */
  private record Run(JsonObject report, JsonObject cpu, double[] storeBytes, double[] storeEntries, double reconcileIdleSeconds,
                     double reconcileHoldingSeconds) {
    int nodes() {
      return cpu.getInteger("nodes");
    }

    double idlePerNode() {
      return cpu.getDouble("idleCpuUsPerSecond") / nodes();
    }

    double cpuPerMessage(double rate) {
      JsonObject step = BenchSummary.step(report, rate);
      return step == null ? Double.NaN : step.getDouble("serverCpuUsPerMessage");
    }

    JsonObject setup() {
      return report.getJsonObject("setup");
    }

    int rooms() {
      return setup().getInteger("roomsSetUp");
    }

    /** The set-up's CPU per room, less the idle nodes' share over its wall time, ms. */
    double setupPerRoom(double idlePerNode) {
      return setup().getDouble("serverCpuMsPerRoom") - nodes() * idlePerNode * setup().getDouble("wallMs") / 1e6 / rooms();
    }

    double crossShare() {
      return setup().getDouble("crossTargetLinkShare");
    }
  }

  static String markdown(Path dir, double rate) throws Exception {
    Run one = read(dir, "hub1");
    Run two = read(dir, "hub2");
    Run random = read(dir, "hub3-random");
    Run room = read(dir, "hub3-room");
    Run reconcile = read(dir, "hub1-reconcile");
    Run bystanders = read(dir, "hub3-one");
    StringBuilder b = new StringBuilder();
    if (one == null || two == null || random == null || room == null) {
      return "incomplete: need hub1, hub2, hub3-random and hub3-room in " + dir + "\n";
    }
    double idle = one.idlePerNode();
    double s = one.cpuPerMessage(rate) - idle / rate;
    double x = two.cpuPerMessage(rate) - 2 * idle / rate;
    double j1 = one.setupPerRoom(idle);
    double j2 = two.setupPerRoom(idle);
    double roomBytes = one.storeBytes[0] / one.rooms();
    double peerBytes = one.storeBytes[1] / (2.0 * one.rooms());
    int conns = one.setup().getInteger("connections");
    double holdingPerConn = (one.cpu.getDouble("holdingCpuUsPerSecond") - one.cpu.getDouble("idleCpuUsPerSecond")) / conns;
    JsonObject heap = one.report.getJsonObject("heap");
    Double heapPerConn = heap == null ? null : heap.getDouble("bytesPerConnection");
    Double perEntry = null;
    Double perScan = null;
    if (reconcile != null && reconcile.reconcileIdleSeconds > 0 && reconcile.reconcileHoldingSeconds > 0) {
      // the wall time of the last scan of a node reconciling every second, on its one core: with empty stores (its
      // fixed part: a task per partition) and with the rooms' entries
      perScan = reconcile.reconcileIdleSeconds * 1e6;
      perEntry = (reconcile.reconcileHoldingSeconds * 1e6 - perScan) / (reconcile.storeEntries[0] + reconcile.storeEntries[1]);
    }

    b.append(String.format(Locale.ROOT, "Per-node costs measured (%d rooms × 2 peers, %.0f msg/s; CPU in µs unless said):%n%n",
      one.rooms(), rate));
    b.append("| cost | figure | from |\n|---|---|---|\n");
    row(b, "idle node (cluster upkeep), b", fmt(idle) + " µs/s", "1 node, no connection, " + one.cpu.getInteger("idleCpuUsPerSecond") + " µs/s");
    row(b, "message, both peers on one node, s", fmt(s) + " µs", "1 node: " + fmt(one.cpuPerMessage(rate)) + " µs/msg less b/R");
    row(b, "message, peers on two nodes (summed), x", fmt(x) + " µs (" + fmt(x / s) + "× s)",
      "2 nodes, every pair split: " + fmt(two.cpuPerMessage(rate)) + " µs/msg less 2b/R");
    row(b, "room set-up on one node, j1 (2 connects, 2 joins, 18 messages)", fmt(j1) + " ms", "1 node");
    row(b, "room set-up split over two nodes, j2", fmt(j2) + " ms", "2 nodes");
    row(b, "store: a room", fmt(roomBytes) + " bytes per copy", "signalhub_store_bytes{store=\"rooms\"}, 1 node (no backup)");
    row(b, "store: a peer's claim", fmt(peerBytes) + " bytes per copy", "signalhub_store_bytes{store=\"peers\"}, 1 node");
    row(b, "an idle joined connection, heap", heapPerConn == null ? "-" : fmt(heapPerConn) + " bytes", "live objects (jcmd GC.class_histogram)");
    // below the idle node's own bursts (Hazelcast's partition tasks), this difference is noise: then it is not used
    boolean holdingResolved = holdingPerConn * conns > 0.2 * one.cpu.getDouble("idleCpuUsPerSecond");
    row(b, "an idle joined connection, CPU (pings, timers)", holdingResolved ? fmt(holdingPerConn) + " µs/s"
      : "below this measurement's noise (" + fmt(holdingPerConn) + " µs/s)", conns + " connections held "
      + one.cpu.getInteger("holdingSeconds") + " s, less the idle node");
    if (perEntry != null) {
      String from = "signalhub_reconcile_last_duration_seconds, 1 node reconciling every second";
      row(b, "reconcile: a scan's fixed part (271 partitions × 2 stores)", fmt(perScan / 1000) + " ms", from + ", empty stores");
      row(b, "reconcile: one store entry scanned", fmt(perEntry) + " µs", from + ", "
        + (int) (reconcile.storeEntries[0] + reconcile.storeEntries[1]) + " entries");
    }

    Double bystander = null;
    if (bystanders != null) {
      // every peer on node 0: nodes 1 and 2 only run their share of the stores' operations and receive the room events
      JsonArray servers = bystanders.setup().getJsonArray("servers");
      double ms = 0;
      for (int i = 1; i < servers.size(); i++) {
        ms += servers.getJsonObject(i).getDouble("cpuMs");
      }
      double wall = bystanders.setup().getDouble("wallMs");
      bystander = (ms - (servers.size() - 1) * idle * wall / 1e6) / (servers.size() - 1) / bystanders.rooms();
      row(b, "a room's set-up, to a node with none of its peers (its share of the stores' operations, the room events)",
        fmt(bystander * 1000) + " µs", "3 nodes, every peer on the first: the other two");
    }

    b.append(String.format(Locale.ROOT, "%nThe check: 3 nodes, predicted from the costs above, and measured:%n%n"));
    b.append("| 3 nodes | share of messages between nodes | predicted | measured | error |\n|---|---|---|---|---|\n");
    for (Run r : new Run[]{random, room}) {
      String placement = r.report.getJsonObject("config").getString("placement");
      double f = r.crossShare();
      double predicted = (1 - f) * s + f * x + r.nodes() * idle / rate;
      check(b, "CPU per message, --placement " + placement, f, predicted, r.cpuPerMessage(rate), " µs");
      // plus the nodes that hold none of the room's peers (N-1 of them when both peers share a node, N-2 when split)
      double others = (1 - f) * (r.nodes() - 1) + f * (r.nodes() - 2);
      double predictedSetup = (1 - f) * j1 + f * j2 + (bystander == null ? 0 : others * bystander);
      check(b, "CPU per room set-up, --placement " + placement, f, predictedSetup, r.setupPerRoom(idle), " ms");
    }
    check(b, "idle CPU of the 3 nodes", Double.NaN, 3 * idle, random.cpu.getDouble("idleCpuUsPerSecond"), " µs/s");
    check(b, "store bytes per room (2 copies)", Double.NaN, 2 * roomBytes, random.storeBytes[0] / random.rooms(), " bytes");
    check(b, "store bytes per peer (2 copies)", Double.NaN, 2 * peerBytes, random.storeBytes[1] / (2.0 * random.rooms()), " bytes");

    // ---- projection
    double perNodePeers = PEERS / (double) NODES;
    double joinsPerSecond = PEERS / SESSION_SECONDS;
    double roomSetupsPerSecond = ROOMS / SESSION_SECONDS;
    double fRandom = 1 - 1.0 / NODES;
    double setupCpu = roomSetupsPerSecond / NODES * ((1 - fRandom) * j1 + fRandom * j2) * 1000; // µs/s per node
    double setupCpuAffinity = roomSetupsPerSecond / NODES * j1 * 1000;
    double holdCpu = perNodePeers * holdingPerConn;
    double storeBytes = 2 * (ROOMS * roomBytes + PEERS * peerBytes) / NODES;
    b.append(String.format(Locale.ROOT, "%nProjection: %d nodes, %d peers in %d rooms of 2 (%.0f peers per node), sessions of "
        + "%.0f s on average (%.0f joins/s and %.0f room set-ups/s in the cluster):%n%n", NODES, PEERS, ROOMS, perNodePeers,
      SESSION_SECONDS, joinsPerSecond, roomSetupsPerSecond));
    b.append("| per node | random placement | room affinity |\n|---|---|---|\n");
    b.append(String.format(Locale.ROOT, "| heap of the connections | %s MB | same |%n",
      heapPerConn == null ? "-" : fmt(perNodePeers * heapPerConn / 1e6)));
    b.append(String.format(Locale.ROOT, "| heap of the stores (primary + backup) | %s MB | same |%n", fmt(storeBytes / 1e6)));
    if (holdingResolved) {
      b.append(String.format(Locale.ROOT, "| CPU of idle connections | %s %% of a core | same |%n", fmt(holdCpu / 1e4)));
    }
    b.append(String.format(Locale.ROOT, "| CPU of the set-ups (churn) | %s %% of a core | %s %% |%n", fmt(setupCpu / 1e4),
      fmt(setupCpuAffinity / 1e4)));
    b.append(String.format(Locale.ROOT, "| share of messages between nodes | %.0f %% | 0 %% |%n", fRandom * 100));
    b.append(String.format(Locale.ROOT, "| CPU per message | %s µs | %s µs |%n", fmt((1 - fRandom) * s + fRandom * x), fmt(s)));
    if (bystander != null) {
      // every node hears of every room set-up of the cluster (room events are published to all nodes)
      b.append(String.format(Locale.ROOT, "| CPU of the other nodes' set-ups (room events to every node) | %s %% of a core | same |%n",
        fmt(roomSetupsPerSecond * bystander * 1000 / 1e4)));
    }
    if (perEntry != null) {
      // a scan runs each entry on its owner: a node's part of one scan is its share of the entries and partitions
      double ownPart = perScan / NODES + (ROOMS + PEERS) / (double) NODES * perEntry;
      b.append(String.format(Locale.ROOT, "| CPU of the reconcile scans, one scan per %.0f s (the oldest hub node asks) | %s %% of a "
        + "core | same |%n", RECONCILE_SECONDS, fmt(ownPart / RECONCILE_SECONDS / 1e4)));
      b.append(String.format(Locale.ROOT, "| the same if every node asked for a scan (before issue 15) | %s %% of a core, and %s s of "
        + "CPU at once after each node failure | same |%n", fmt(NODES * ownPart / RECONCILE_SECONDS / 1e4), fmt(NODES * ownPart / 1e6)));
    }
    return b.toString();
  }

  private static void row(StringBuilder b, String what, String figure, String from) {
    b.append("| ").append(what).append(" | ").append(figure).append(" | ").append(from).append(" |\n");
  }

  private static void check(StringBuilder b, String what, double share, double predicted, double measured, String unit) {
    b.append("| ").append(what).append(" | ").append(Double.isNaN(share) ? "-" : String.format(Locale.ROOT, "%.2f", share))
      .append(" | ").append(fmt(predicted)).append(unit).append(" | ").append(fmt(measured)).append(unit).append(" | ")
      .append(String.format(Locale.ROOT, "%+.0f %%", (measured - predicted) / predicted * 100)).append(" |\n");
  }

  private static String fmt(double v) {
    return Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.2f", v);
  }

  private static Run read(Path dir, String name) throws Exception {
    Path report = dir.resolve(name + ".json");
    Path cpu = dir.resolve(name + "-cpu.json");
    if (!Files.isRegularFile(report) || !Files.isRegularFile(cpu)) {
      return null;
    }
    double[] bytes = new double[2];
    double[] entries = new double[2];
    double[] reconcileSeconds = new double[2];
    Pattern gauge = Pattern.compile("^signalhub_store_(bytes|entries)\\{store=\"(rooms|peers)\",?\\}\\s+(\\S+)");
    Pattern scan = Pattern.compile("^signalhub_reconcile_last_duration_seconds(?:\\{\\})?\\s+(\\S+)");
    try (var files = Files.list(dir)) {
      for (Path p : files.sorted().toList()) {
        String file = p.getFileName().toString();
        boolean holding = file.startsWith(name + "-metrics-");
        if (!holding && !file.startsWith(name + "-idle-metrics-")) {
          continue;
        }
        for (String line : Files.readAllLines(p)) {
          Matcher m = gauge.matcher(line);
          if (holding && m.find()) {
            double[] into = m.group(1).equals("bytes") ? bytes : entries;
            into[m.group(2).equals("rooms") ? 0 : 1] += Double.parseDouble(m.group(3));
          }
          Matcher r = scan.matcher(line);
          if (r.find()) {
            reconcileSeconds[holding ? 1 : 0] = Math.max(reconcileSeconds[holding ? 1 : 0], Double.parseDouble(r.group(1)));
          }
        }
      }
    }
    return new Run(new JsonObject(Files.readString(report)), new JsonObject(Files.readString(cpu)), bytes, entries,
      reconcileSeconds[0], reconcileSeconds[1]);
  }
}
