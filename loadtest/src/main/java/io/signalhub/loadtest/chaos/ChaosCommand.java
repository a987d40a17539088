package io.signalhub.loadtest.chaos;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.WebSocketClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.Writer;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipFile;

/**
 * The load tool's chaos mode ({@code java -jar signalhub-loadtest-<version>-fat.jar chaos ...}, {@code scripts/chaos}):
 * steady signaling across N hub nodes on this machine while faults hit them one at a time, then a check of the
 * whole history against the delivery contract (docs/protocol.md, "Delivery contract"; the rules are in
 * {@link History}).
 *
 * <p>It starts the N nodes itself, as child JVMs from the server's runnable jar, in a cluster of their own (a
 * random cluster name and port range, Hazelcast's merge checks every 5 s); joins {@code --rooms} rooms of
 * {@code --peers-per-room} {@link ChaosPeer}s spread over the nodes, each sending every peer of its view a
 * numbered {@code ice-candidate} every {@code --interval-ms}; after a warm-up, applies a fault every
 * {@code --fault-every} on a schedule drawn from {@code --seed} (each kind once per round in a drawn order, a node drawn among those
 * that serve peers at the time): {@code kill} (kill -9, then a
 * restart), {@code stop} (SIGSTOP for 8-12 s, then SIGCONT), {@code term} (SIGTERM: the graceful stop that hands
 * its peers over and closes them with 1001; then a restart), {@code partition} (the node's cluster link down for
 * 15-25 s, then up; only with the nodes in network namespaces, see {@link Namespaces}: as root with {@code ip netns},
 * unless {@code --partitions off}), each followed by a recovery window (10 s; 35 s after a stall or a partition). After the last
 * fault is healed it waits a quiet period (at least {@code --quiet}, 35 s) and checks convergence (rule 4; also
 * before each fault that starts 30 s or more after the previous heal), keeps
 * signaling for 5 s more (every frame of which must arrive: an {@code error} is not enough once converged), stops
 * sending, drains, checks convergence again and the history (rules 1-3).
 *
 * <p>The report (stdout and {@code --report}, markdown) has the command, the sizes, the traffic, each fault with
 * its start and heal times (seconds since the history started, like the violations' times), the result per rule and
 * every violation with its pair and frame numbers. Exit code 0 when nothing broke the contract, 1 otherwise (also
 * when a node could not be started), 2 for bad options. Every child process is stopped (by PID) at the end and on
 * Ctrl-C; the temporary directory (cluster XML, node logs) is removed unless {@code --logs} names where to keep the
 * logs and the full history.
 */
@Command(name = "chaos", mixinStandardHelpOptions = true, sortOptions = false,
  description = "Chaos mode: steady signaling across N hub nodes started here, faults on a seeded schedule (kill -9, "
    + "SIGSTOP/SIGCONT, SIGTERM then restart, partitions when the nodes can run in network namespaces), then a check of every pair's history against the delivery contract "
    + "(lost, duplicated, reordered, ghost frames; convergence of the peers' views). Exit 1 on any violation.")
public final class ChaosCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Option(names = "--nodes", description = "hub nodes to start. Default: ${DEFAULT-VALUE}")
  int nodes = 3;

  @Option(names = "--rooms", description = "rooms. Default: ${DEFAULT-VALUE}")
  int rooms = 12;

  @Option(names = "--peers-per-room", description = "peers per room, spread over the nodes. Default: ${DEFAULT-VALUE}")
  int peersPerRoom = 3;

  @Option(names = "--interval-ms", description = "each peer sends each peer of its view a frame every this many ms. Default: ${DEFAULT-VALUE}")
  long intervalMs = 200;

  @Option(names = "--duration", description = "length of the steady signaling, e.g. 10m, 2m, 90s (faults, then the "
    + "quiet period, which may extend it). Default: ${DEFAULT-VALUE}")
  String duration = "10m";

  @Option(names = "--fault-every", description = "time from one fault's start to the next one's, e.g. 45s (at least "
    + "the fault, its heal and 10 s of recovery). Default: ${DEFAULT-VALUE}")
  String faultEvery = "45s";

  @Option(names = "--faults", split = ",", description = "kinds of fault to draw from: kill, stop, term, partition. "
    + "Default: kill,stop,term, and partition when the nodes run in namespaces (see --partitions)")
  List<String> faults;

  @Option(names = "--partitions", description = "auto: run the nodes in network namespaces of their own and add "
    + "partitions to the faults when running as root with 'ip netns'; on: require it; off: nodes on loopback, no "
    + "partitions. Default: ${DEFAULT-VALUE}")
  String partitions = "auto";

  @Option(names = "--warmup", description = "steady signaling before the first fault. Default: ${DEFAULT-VALUE}")
  String warmup = "10s";

  @Option(names = "--quiet", description = "signaling after the last fault is healed, before the checks (rule 4 "
    + "allows 30 s to converge). Default: ${DEFAULT-VALUE}")
  String quiet = "35s";

  @Option(names = "--seed", description = "seed of the fault schedule (kinds, nodes, stall lengths) and of the peers' "
    + "jitter (default: drawn, and printed)")
  Long seed;

  @Option(names = "--report", description = "markdown report file. Default: ${DEFAULT-VALUE}")
  Path report = Path.of("chaos-report.md");

  @Option(names = "--logs", paramLabel = "DIR", description = "keep the node logs and the whole history "
    + "(history.log) in DIR (default: a temporary directory, removed)")
  Path logs;

  @Option(names = "--server-jar", paramLabel = "JAR", description = "the server's runnable jar "
    + "(default: server/target/signalhub-server-*-fat.jar)")
  Path serverJar;

  @Option(names = "--resume-grace-ms", description = "the nodes' resumeGraceMs. Default: ${DEFAULT-VALUE}")
  long resumeGraceMs = 30_000;

  @Option(names = "--node-setting", paramLabel = "KEY=VALUE", description = "another --set for every node")
  List<String> nodeSettings = new ArrayList<>();

  @Option(names = "--node-java-opts", description = "JVM flags of the nodes. Default: ${DEFAULT-VALUE}")
  String nodeJavaOpts = "-Xmx256m -XX:+UseSerialGC";

  private PrintStream out = System.out;
  private boolean inNamespaces;
  private String partitionNote;

  /** The JVM flags Hazelcast runs best with (scripts/common.sh, HZ_ARGS). */
  private static final List<String> HZ_ARGS = List.of("--add-modules", "java.se",
    "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED", "--add-opens", "java.base/java.lang=ALL-UNNAMED",
    "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens", "java.management/sun.management=ALL-UNNAMED",
    "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED");

  private static final long RECOVERY_MIN_MS = 10_000;
  /** Signaling after the final view check, every frame of which must be delivered (no error accepted). */
  private static final long PROBE_MS = 5_000;
  /** After a stall or a partition (the cluster splits, then merges): the 30 s the contract allows to converge, and 5 s. */
  private static final long RECOVERY_SPLIT_MS = 35_000;
  /** What a fault takes at most, for deciding whether one more fits before the quiet period. */
  private static final long FAULT_BUDGET_MS = 25_000;

  /** Where the progress and the report go (System.out by default). */
  public ChaosCommand console(PrintStream console) {
    this.out = console;
    return this;
  }

  /** One fault as it ran: times in seconds since the history started. */
  record Fault(int no, String kind, int node, double start, double healed, String note) {
  }

  /** Parses {@code 10m}, {@code 45s}, {@code 1m30s}, {@code 500ms}, {@code 2h}, or a plain number of seconds; ms. */
  static long millis(String text) {
    String s = text.trim().toLowerCase(Locale.ROOT);
    if (s.matches("\\d+")) {
      return Long.parseLong(s) * 1000;
    }
    Matcher m = Pattern.compile("(\\d+)(ms|s|m|h)").matcher(s);
    long total = 0;
    int end = 0;
    while (m.find() && m.start() == end) {
      long v = Long.parseLong(m.group(1));
      total += switch (m.group(2)) {
        case "ms" -> v;
        case "s" -> v * 1000;
        case "m" -> v * 60_000;
        default -> v * 3_600_000;
      };
      end = m.end();
    }
    if (end != s.length() || s.isEmpty()) {
      throw new IllegalArgumentException("not a duration: '" + text + "' (e.g. 10m, 45s, 1m30s, 500ms)");
    }
    return total;
  }

  @Override
  public Integer call() throws Exception {
    long durationMs;
    long faultEveryMs;
    long warmupMs;
    long quietMs;
    try {
      durationMs = millis(duration);
      faultEveryMs = millis(faultEvery);
      warmupMs = millis(warmup);
      quietMs = millis(quiet);
      if (nodes < 2 || rooms < 1 || peersPerRoom < 2 || intervalMs < 10 || durationMs < 10_000) {
        throw new IllegalArgumentException("need --nodes >= 2, --rooms >= 1, --peers-per-room >= 2, --interval-ms >= 10, --duration >= 10s");
      }
      if (!List.of("auto", "on", "off").contains(partitions)) {
        throw new IllegalArgumentException("--partitions is auto, on or off");
      }
      boolean canPartition = !partitions.equals("off") && Namespaces.available();
      if (partitions.equals("on") && !canPartition) {
        throw new IllegalArgumentException("--partitions on needs root and 'ip netns'");
      }
      inNamespaces = canPartition;
      partitionNote = canPartition ? null : partitions.equals("off") ? "off (--partitions off)"
        : "not available (needs root and 'ip netns')";
      if (faults == null) {
        faults = new ArrayList<>(List.of("kill", "stop", "term"));
        if (canPartition) {
          faults.add("partition");
        }
      }
      for (String f : faults) {
        if (!List.of("kill", "stop", "term", "partition").contains(f)) {
          throw new IllegalArgumentException("unknown fault '" + f + "' (kill, stop, term, partition)");
        }
        if (f.equals("partition") && !canPartition) {
          throw new IllegalArgumentException("partition faults need the nodes in namespaces: root, 'ip netns', --partitions auto or on");
        }
      }
      if (serverJar == null) {
        serverJar = findServerJar();
      }
      if (!Files.isRegularFile(serverJar)) {
        throw new IllegalArgumentException("no server jar at " + serverJar + " (build it: mvn -B package -DskipTests)");
      }
    } catch (IllegalArgumentException e) {
      System.err.println("chaos: " + e.getMessage());
      return 2;
    }
    long theSeed = seed != null ? seed : new Random().nextLong() & 0xffff_ffffL;
    return new Run(theSeed, durationMs, faultEveryMs, warmupMs, quietMs).run();
  }

  private static Path findServerJar() throws IOException {
    Path dir = Path.of("server", "target");
    if (Files.isDirectory(dir)) {
      try (DirectoryStream<Path> jars = Files.newDirectoryStream(dir, "signalhub-server-*-fat.jar")) {
        for (Path jar : jars) {
          return jar;
        }
      }
    }
    return dir.resolve("signalhub-server-<version>-fat.jar");
  }

  private String commandLine() {
    List<String> args = new ArrayList<>(spec.commandLine().getParseResult().originalArgs());
    if (!args.isEmpty() && args.get(0).equals("chaos")) {
      args.remove(0);
    }
    int jar = args.indexOf("--server-jar"); // passed by scripts/chaos itself
    if (jar >= 0 && jar + 1 < args.size()) {
      args.remove(jar + 1);
      args.remove(jar);
    }
    return ("./scripts/chaos " + String.join(" ", args)).trim();
  }

  /** One run: the nodes, the peers, the schedule, the checks, the report. */
  private final class Run {
    private final long seed;
    private final long durationMs;
    private final long faultEveryMs;
    private final long warmupMs;
    private final long quietMs;
    private final Random random;
    private final History history = new History();
    private final List<HubNode> hubs = new ArrayList<>();
    private final List<ChaosPeer> peers = new ArrayList<>();
    private final List<Fault> done = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();
    private final List<String> deck = new ArrayList<>();
    private final List<History.Violation> viewsBeforeFaults = new ArrayList<>();
    private final String runId = "c" + Long.toString(System.nanoTime() & 0xffffff, 36);
    private Vertx vertx;
    private Path work;
    private volatile Namespaces namespaces;

    Run(long seed, long durationMs, long faultEveryMs, long warmupMs, long quietMs) {
      this.seed = seed;
      this.durationMs = durationMs;
      this.faultEveryMs = faultEveryMs;
      this.warmupMs = warmupMs;
      this.quietMs = quietMs;
      this.random = new Random(seed);
    }

    private double now() {
      return history.seconds(System.nanoTime());
    }

    private void delay(long ms) {
      if (ms > 0) {
        HubNode.delay(vertx, ms);
      }
    }

    private void say(String format, Object... args) {
      out.printf("[%6.1fs] %s%n", now(), String.format(format, args));
      out.flush();
    }

    int run() throws Exception {
      work = Files.createTempDirectory("signalhub-chaos-");
      Path logDir = logs != null ? Files.createDirectories(logs) : work;
      Thread hook = new Thread(() -> {
        destroyNodes();
        if (namespaces != null) {
          namespaces.close();
        }
        if (logs == null || !work.equals(logs)) {
          deleteTree(work);
        }
      }, "chaos-stop-nodes");
      Runtime.getRuntime().addShutdownHook(hook);
      vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
      long progress = -1;
      try {
        say("chaos %s: %d nodes, %d rooms x %d peers, a frame every %d ms per pair, %s, a fault every %s (%s), seed %d",
          runId, nodes, rooms, peersPerRoom, intervalMs, duration, faultEvery, String.join(",", faults), seed);
        startNodes(logDir);
        startPeers();
        progress = vertx.setPeriodic(10_000, t -> progressLine());
        long steadyStart = System.nanoTime();
        long end = steadyStart + TimeUnit.MILLISECONDS.toNanos(durationMs);
        long quietNanos = TimeUnit.MILLISECONDS.toNanos(quietMs);
        delay(warmupMs);
        long lastHeal = System.nanoTime();
        int no = 0;
        while (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(FAULT_BUDGET_MS) + quietNanos <= end) {
          if (no > 0 && System.nanoTime() - lastHeal >= TimeUnit.SECONDS.toNanos(30)) {
            // rule 4 between faults too: 30 s after the previous heal the views must have converged
            for (History.Violation v : views()) {
              viewsBeforeFaults.add(new History.Violation(v.rule(), v.sender(), v.recipient(),
                String.format("before fault %d (%.1f s after the heal of fault %d): %s", no + 1,
                  (System.nanoTime() - lastHeal) / 1e9, no, v.detail())));
            }
          }
          long start = System.nanoTime();
          Fault f = fault(++no);
          done.add(f);
          lastHeal = System.nanoTime();
          say("fault %d healed: %s node %d, %.1f s -> %.1f s (%s)", f.no, f.kind, f.node, f.start, f.healed, f.note);
          long recovery = f.kind.equals("stop") || f.kind.equals("partition") ? RECOVERY_SPLIT_MS : RECOVERY_MIN_MS;
          long next = Math.max(start + TimeUnit.MILLISECONDS.toNanos(faultEveryMs),
            lastHeal + TimeUnit.MILLISECONDS.toNanos(recovery));
          if (next + TimeUnit.MILLISECONDS.toNanos(FAULT_BUDGET_MS) + quietNanos > end) {
            break;
          }
          delay(TimeUnit.NANOSECONDS.toMillis(next - System.nanoTime()));
        }
        long quietEnd = Math.max(end, lastHeal + quietNanos);
        say("quiet until %.1f s", history.seconds(quietEnd));
        delay(TimeUnit.NANOSECONDS.toMillis(quietEnd - System.nanoTime()));
        double healedAt = history.seconds(lastHeal);

        List<History.Violation> viewsAtQuietEnd = views();
        long probeStart = System.nanoTime();
        say("views checked (%d differ); %d s more of signaling, every frame of which must arrive", viewsAtQuietEnd.size(),
          PROBE_MS / 1000);
        delay(PROBE_MS);
        long probeEnd = System.nanoTime();
        say("draining");
        peers.forEach(p -> p.sending(false));
        drain();
        List<History.Violation> viewsAfterDrain = views();
        List<History.Violation> violations = history.check();
        violations.addAll(history.checkDelivered(probeStart, probeEnd));
        vertx.cancelTimer(progress);
        String text = report(violations, viewsAtQuietEnd, viewsAfterDrain, healedAt);
        out.print(text);
        Files.writeString(report, text, StandardCharsets.UTF_8);
        if (logs != null) {
          try (Writer w = Files.newBufferedWriter(logs.resolve("history.log"), StandardCharsets.UTF_8)) {
            history.dump(w);
          }
        }
        out.println("report: " + report.toAbsolutePath() + (logs != null ? ", logs and history.log in " + logs.toAbsolutePath() : ""));
        boolean pass = violations.isEmpty() && viewsAtQuietEnd.isEmpty() && viewsAfterDrain.isEmpty()
          && viewsBeforeFaults.isEmpty() && problems.isEmpty();
        return pass ? 0 : 1;
      } catch (Exception e) {
        out.println("chaos: the run failed: " + e.getMessage());
        if (logs == null) {
          for (HubNode h : hubs) {
            out.println("--- node " + h.index + " (last lines):\n" + h.tail(30));
          }
        }
        return 1;
      } finally {
        if (progress >= 0) {
          vertx.cancelTimer(progress);
        }
        try {
          io.vertx.core.Future.join(peers.stream().map(ChaosPeer::close).toList()).await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
          // stopping anyway
        }
        destroyNodes();
        if (namespaces != null) {
          namespaces.close();
        }
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
          // the hook runs anyway
        }
        vertx.close().await(10, TimeUnit.SECONDS);
        deleteTree(work);
      }
    }

    private void destroyNodes() {
      for (HubNode h : hubs) {
        try {
          h.kill();
        } catch (Exception e) {
          // next
        }
      }
    }

    private void startNodes(Path logDir) throws Exception {
      if (inNamespaces) {
        namespaces = Namespaces.create(nodes, new Random());
        say("nodes in network namespaces: %s", namespaces.describe());
      }
      Path xml = clusterConfig();
      List<Integer> ports = new ArrayList<>();
      for (int i = 0; i < nodes; i++) {
        ports.add(freePort(ports));
      }
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      for (int i = 0; i < nodes; i++) {
        List<String> cmd = new ArrayList<>();
        if (namespaces != null) {
          cmd.addAll(namespaces.exec(i));
        }
        cmd.add(java);
        cmd.addAll(List.of(nodeJavaOpts.trim().split("\\s+")));
        cmd.addAll(HZ_ARGS);
        cmd.addAll(List.of("-Djava.net.preferIPv4Stack=true", "-jar", serverJar.toAbsolutePath().toString(),
          "--port", String.valueOf(ports.get(i)), "--cluster-config", xml.toString(),
          "--set", "anonymous=true", "--set", "resumeGraceMs=" + resumeGraceMs));
        String host = "127.0.0.1";
        if (namespaces != null) {
          host = namespaces.clientAddress(i);
          cmd.addAll(List.of("--host", host, "--cluster-host", namespaces.clusterAddress(i)));
        }
        for (String s : nodeSettings) {
          cmd.addAll(List.of("--set", s));
        }
        hubs.add(new HubNode(i, host + ":" + ports.get(i), cmd, logDir));
      }
      for (HubNode h : hubs) {
        long t = System.nanoTime();
        h.start();
        int members = h.awaitListening(vertx, 90_000);
        say("node %d listening on %s (pid %d) in %d ms, %d node(s) in the cluster", h.index, h.address, h.pid(),
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t), members);
        if (members != h.index + 1) {
          problems.add("node " + h.index + " started in a cluster of " + members + " node(s), expected " + (h.index + 1));
        }
      }
    }

    /** The server jar's Hazelcast XML with a random cluster name and port range, and merge checks every 5 s. */
    private Path clusterConfig() throws IOException {
      String xml;
      try (ZipFile jar = new ZipFile(serverJar.toFile())) {
        var entry = jar.getEntry("signalhub/cluster.xml");
        if (entry == null) {
          throw new IllegalStateException(serverJar + " has no signalhub/cluster.xml");
        }
        try (InputStream in = jar.getInputStream(entry)) {
          xml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
      }
      int base = 20_000 + 10 * new Random().nextInt(2_000);
      StringBuilder members = new StringBuilder();
      for (int i = 0; i < nodes; i++) {
        // on loopback the nodes share an address and take base, base + 1, ...; in namespaces each has its own: base
        members.append("<member>").append(namespaces != null ? namespaces.clusterAddress(i) + ":" + base : "127.0.0.1:" + (base + i))
          .append("</member>");
      }
      if (namespaces != null) {
        xml = xml.replace("<interface>127.0.0.1</interface>", "<interface>" + namespaces.clusterInterfaces() + "</interface>");
      }
      String changed = xml.replace("<cluster-name>signalhub</cluster-name>", "<cluster-name>chaos-" + UUID.randomUUID() + "</cluster-name>")
        .replace(">5701</port>", ">" + base + "</port>")
        .replace("<member>127.0.0.1</member>", members.toString())
        .replace("<properties>", "<properties>\n    <property name=\"hazelcast.merge.first.run.delay.seconds\">5</property>"
          + "\n    <property name=\"hazelcast.merge.next.run.delay.seconds\">5</property>");
      if (changed.equals(xml) || !changed.contains("chaos-") || !changed.contains("merge.first.run")) {
        throw new IllegalStateException("the server's cluster.xml does not have the expected shape");
      }
      Path file = work.resolve("cluster.xml");
      Files.writeString(file, changed);
      return file;
    }

    private void startPeers() throws Exception {
      WebSocketClient client = ChaosPeer.client(vertx);
      for (int r = 0; r < rooms; r++) {
        for (int j = 0; j < peersPerRoom; j++) {
          // peer j of room r starts on node r + j; its "next node" goes up or down the list by the room's parity, so
          // that the peers of a failed node spread over the others
          List<String> order = new ArrayList<>();
          for (int k = 0; k < nodes; k++) {
            order.add(hubs.get(Math.floorMod(r + j + (r % 2 == 0 ? k : -k), nodes)).address);
          }
          peers.add(new ChaosPeer(vertx, client, history, runId + "-r" + r, runId + "-r" + r + "-p" + j, order,
            0, intervalMs, seed * 1_000_003L + r * 97L + j));
        }
      }
      List<io.vertx.core.Future<Void>> joins = new ArrayList<>();
      for (ChaosPeer p : peers) {
        joins.add(p.start());
      }
      io.vertx.core.Future.all(joins).await(60, TimeUnit.SECONDS);
      say("%d peers joined", peers.size());
    }

    private void progressLine() {
      long connected = peers.stream().filter(ChaosPeer::connected).count();
      say("connected %d/%d, frames sent %d, received %d, errors %s", connected, peers.size(), history.sentCount(),
        history.receivedCount(), history.errorsByCode());
    }

    private long peersOn(HubNode h) {
      return peers.stream().filter(p -> h.address.equals(p.node()) && p.connected()).count();
    }

    private Fault fault(int no) throws Exception {
      if (deck.isEmpty()) { // every kind once per round, in a drawn order
        deck.addAll(faults);
        java.util.Collections.shuffle(deck, random);
      }
      String kind = deck.remove(0);
      // a node drawn among those that serve peers now (peers move to other nodes when theirs fails, and stay)
      List<HubNode> serving = hubs.stream().filter(n -> peersOn(n) > 0).toList();
      List<HubNode> among = serving.isEmpty() ? hubs : serving;
      HubNode h = among.get(random.nextInt(among.size()));
      long on = peersOn(h);
      double start = now();
      say("fault %d: %s node %d (pid %d, %d peers on it)", no, kind, h.index, h.pid(), on);
      String note;
      switch (kind) {
        case "kill" -> {
          h.kill();
          long t = System.nanoTime();
          h.start();
          int members = restarted(h);
          note = String.format("kill -9, restarted: listening after %.1f s in a cluster of %d", (System.nanoTime() - t) / 1e9, members);
        }
        case "partition" -> {
          long cutMs = 15_000 + random.nextInt(10_001);
          namespaces.cut(h.index);
          delay(cutMs);
          namespaces.heal(h.index);
          note = String.format("cluster link down for %.1f s, then up (its clients kept their link)", cutMs / 1000.0);
        }
        case "stop" -> {
          long stallMs = 8000 + random.nextInt(4001);
          h.signal("STOP");
          delay(stallMs);
          h.signal("CONT");
          note = String.format("SIGSTOP for %.1f s, then SIGCONT", stallMs / 1000.0);
        }
        default -> {
          long t = System.nanoTime();
          int code = h.terminate(30_000);
          double stopS = (System.nanoTime() - t) / 1e9;
          t = System.nanoTime();
          h.start();
          int members = restarted(h);
          note = String.format("SIGTERM: exit %d after %.1f s; restarted: listening after %.1f s in a cluster of %d",
            code, stopS, (System.nanoTime() - t) / 1e9, members);
        }
      }
      return new Fault(no, kind, h.index, start, now(), note + "; " + on + " peers were on it");
    }

    private int restarted(HubNode h) throws Exception {
      int members = h.awaitListening(vertx, 90_000);
      if (members != nodes) {
        problems.add(String.format("node %d restarted at %.1f s in a cluster of %d node(s), expected %d", h.index, now(),
          members, nodes));
      }
      return members;
    }

    /** Waits until the traffic settled: nothing new for 3 s and nothing lost yet unaccounted for; at most 35 s. */
    private void drain() {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(35);
      long last = -1;
      long stableSince = System.nanoTime();
      while (System.nanoTime() < deadline) {
        delay(1000);
        long seen = history.receivedCount() + history.errorsByCode().values().stream().mapToLong(Long::longValue).sum();
        if (seen != last) {
          last = seen;
          stableSince = System.nanoTime();
        } else if (System.nanoTime() - stableSince >= TimeUnit.SECONDS.toNanos(3)
          && history.check().stream().noneMatch(v -> v.rule().equals("lost"))) {
          return;
        }
      }
    }

    /** Rule 4: each connected peer's view against the peers of its room connected now; peers not connected. */
    private List<History.Violation> views() {
      Map<String, Set<String>> connectedByRoom = new HashMap<>();
      for (ChaosPeer p : peers) {
        if (p.connected()) {
          connectedByRoom.computeIfAbsent(p.room(), k -> new HashSet<>()).add(p.id());
        }
      }
      Map<String, Set<String>> actual = new HashMap<>();
      List<History.Violation> out = new ArrayList<>();
      for (ChaosPeer p : peers) {
        if (p.connected()) {
          Set<String> others = new HashSet<>(connectedByRoom.get(p.room()));
          others.remove(p.id());
          actual.put(p.id(), others);
        } else {
          out.add(new History.Violation("convergence", p.id(), null, (p.stopped() ? "stopped (closed for good)" : "not connected")
            + String.format(" at %.1f s; last node %s, %d reconnect attempts, %d id-taken", now(), p.node(), p.reconnects(), p.idTaken())));
        }
      }
      out.addAll(history.checkViews(actual));
      return out;
    }

    private String report(List<History.Violation> violations, List<History.Violation> viewsAtQuietEnd,
                          List<History.Violation> viewsAfterDrain, double healedAt) {
      StringBuilder b = new StringBuilder();
      b.append("\n# Chaos run ").append(runId).append(" (").append(Instant.now()).append(")\n\n");
      b.append("Command: `").append(commandLine()).append("` (seed ").append(seed).append(")\n\n");
      b.append(String.format("%d nodes, %d rooms x %d peers (%d peers), a frame every %d ms from each peer to each peer "
          + "of its view; %s of signaling, a fault every %s from %s, quiet period %s; times are seconds since the start.%n%n",
        nodes, rooms, peersPerRoom, peers.size(), intervalMs, duration, faultEvery, warmup, quiet));
      b.append("## Faults\n\n");
      if (done.isEmpty()) {
        b.append("None: the duration left no room for a fault before the quiet period.\n");
      } else {
        b.append("| # | fault | node | start (s) | healed (s) | what happened |\n|---|---|---|---|---|---|\n");
        for (Fault f : done) {
          b.append(String.format("| %d | %s | %d | %.1f | %.1f | %s |%n", f.no, f.kind, f.node, f.start, f.healed, f.note));
        }
      }
      b.append(String.format("%nLast fault healed at %.1f s. ", healedAt));
      if (namespaces != null) {
        b.append("The nodes ran in network namespaces (").append(namespaces.describe()).append("); a partition cut a node's cluster link.\n");
      } else {
        b.append("Partitions: ").append(partitionNote).append("; the namespace tests cover them.\n");
      }
      if (!problems.isEmpty()) {
        b.append("\nProblems with the set-up:\n");
        problems.forEach(p -> b.append("- ").append(p).append('\n'));
      }
      long[] w = history.welcomes();
      int reconnects = peers.stream().mapToInt(ChaosPeer::reconnects).sum();
      int idTaken = peers.stream().mapToInt(ChaosPeer::idTaken).sum();
      int replays = peers.stream().mapToInt(ChaosPeer::replaysDropped).sum();
      b.append("\n## Traffic\n\n");
      b.append(String.format("- frames sent %d, received %d%n", history.sentCount(), history.receivedCount()));
      b.append("- error frames by code: ").append(history.errorsByCode()).append('\n');
      b.append("- peer-left by reason: ").append(history.leftByReason()).append('\n');
      b.append("- socket closes by code: ").append(history.closesByCode()).append('\n');
      b.append(String.format("- welcomes %d (%d resumed a session), reconnect attempts %d, id-taken %d, replayed frames dropped as seen %d%n",
        w[0], w[1], reconnects, idTaken, replays));

      Map<String, List<History.Violation>> byRule = new LinkedHashMap<>();
      for (String rule : List.of("duplicate", "reorder", "ghost", "lost", "unsent", "undelivered")) {
        byRule.put(rule, new ArrayList<>());
      }
      violations.forEach(v -> byRule.computeIfAbsent(v.rule(), k -> new ArrayList<>()).add(v));
      b.append("\n## Checks\n\n| rule | checked | result |\n|---|---|---|\n");
      row(b, "1 no duplicate", "each pair's received numbers, each at most once", byRule.get("duplicate"));
      row(b, "1 no reorder", "each pair's received numbers strictly increasing", byRule.get("reorder"));
      row(b, "2 no ghost", "nothing received from a peer the recipient was told had left (until told it is back)", byRule.get("ghost"));
      row(b, "3 no silent loss", "every frame not received accounted for by an error, a peer-left or a session end after its send", byRule.get("lost"));
      row(b, "no invented frame", "every frame received was sent", byRule.get("unsent"));
      row(b, "4 convergence between faults", "views = connected peers before each fault that starts 30 s or more after the previous heal", viewsBeforeFaults);
      row(b, "4 convergence", String.format("views = connected peers %.0f s after the last heal", quietMs / 1000.0), viewsAtQuietEnd);
      row(b, "4 stays converged", "views = connected peers again after the drain", viewsAfterDrain);
      row(b, "4 signaling resumed", String.format("every frame of the %d s after that check delivered (an error is not enough)",
        PROBE_MS / 1000), byRule.get("undelivered"));
      List<History.Violation> all = new ArrayList<>(violations);
      all.addAll(viewsBeforeFaults);
      all.addAll(viewsAtQuietEnd);
      Set<String> listed = new HashSet<>();
      viewsAtQuietEnd.forEach(v -> listed.add(v.toString()));
      viewsAfterDrain.stream().filter(v -> !listed.contains(v.toString())).forEach(all::add); // the same again: once
      boolean pass = violations.isEmpty() && viewsAtQuietEnd.isEmpty() && viewsAfterDrain.isEmpty()
        && viewsBeforeFaults.isEmpty() && problems.isEmpty();
      if (!all.isEmpty()) {
        b.append("\n## Violations\n\n(convergence violations found again after the drain are listed once)\n\n");
        Map<String, Integer> count = new TreeMap<>();
        for (History.Violation v : all) {
          count.merge(v.rule(), 1, Integer::sum);
        }
        b.append("By rule: ").append(count).append("\n\n");
        int limit = 5000;
        for (History.Violation v : all) {
          if (limit-- == 0) {
            b.append("- ... ").append(all.size() - 5000).append(" more\n");
            break;
          }
          b.append("- ").append(v).append('\n');
        }
      }
      b.append("\nResult: ").append(pass ? "PASS" : "FAIL").append('\n');
      return b.toString();
    }

    private void row(StringBuilder b, String rule, String what, List<History.Violation> found) {
      b.append("| ").append(rule).append(" | ").append(what).append(" | ")
        .append(found.isEmpty() ? "pass" : "FAIL (" + found.size() + ")").append(" |\n");
    }
  }

  private static int freePort(List<Integer> taken) throws IOException {
    for (int i = 0; i < 100; i++) {
      try (ServerSocket s = new ServerSocket(0)) {
        if (!taken.contains(s.getLocalPort())) {
          return s.getLocalPort();
        }
      }
    }
    throw new IOException("no free port");
  }

  private static void deleteTree(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (var walk = Files.walk(dir)) {
      walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          // best effort
        }
      });
    } catch (IOException e) {
      // best effort
    }
  }
}
