package io.signalhub.loadtest;

import io.signalhub.loadtest.chaos.ChaosCommand;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The load tool ({@code java -jar signalhub-loadtest-<version>-fat.jar}, {@code scripts/loadtest}): many rooms of WebRTC peers against one or more nodes (or another signaling
 * server), with honest latency percentiles.
 *
 * <p>Per room, P peers connect (spread round-robin over the targets, so with two nodes every pair of a
 * two-peer room is split across them) and join; every pair negotiates as real clients do: an SDP offer, an
 * SDP answer, and K trickle ICE candidates each way. Then, for each rate of {@code --rate}, a steady step
 * sends ICE candidates at that fixed total rate, open loop: each message is stamped with its scheduled send
 * time, so a late server (or a late generator) shows as latency instead of slowing the senders down
 * (coordinated omission corrected). Latencies go to HdrHistogram; per-link sequence numbers count lost and
 * reordered messages.
 *
 * <p>Prints a progress line per second and a final table, writes {@code <out>/<name>.json} and
 * {@code <out>/<name>.html}. Exit code 0 when every room was set up and no message was lost, 1 otherwise,
 * 2 for bad options.
 *
 * <p>The subcommand {@code chaos} ({@link ChaosCommand}, {@code scripts/chaos}) is the chaos mode: N nodes started
 * here, faults on a schedule, and a check of the history against the delivery contract.
 */
@Command(name = "loadtest", mixinStandardHelpOptions = true, sortOptions = false, subcommands = ChaosCommand.class,
  description = "Load test: rooms of peers negotiate (offer, answer, trickle ICE), then steady signaling at fixed "
    + "rates (open loop). Reports latency percentiles, throughput, loss, room set-up time.")
public final class LoadTestCommand implements Callable<Integer> {

  /** {@code java -jar signalhub-loadtest-<version>-fat.jar [options]}; exits with the code above. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new LoadTestCommand()).execute(args));
  }

  @Option(names = {"-t", "--target"}, paramLabel = "URL",
    description = "WebSocket URL of a node, e.g. ws://127.0.0.1:8080/ws (repeat for several nodes; a room's peers "
      + "are spread round-robin over them). PeerJS: ws://127.0.0.1:9000/peerjs. Required (except for 'chaos')")
  List<String> targets = new ArrayList<>();

  @Option(names = "--dialect", description = "v1 (this hub, the raw relay) or peerjs (PeerJS server). Default: ${DEFAULT-VALUE}")
  String dialect = "v1";

  @Option(names = "--rooms", description = "rooms. Default: ${DEFAULT-VALUE}")
  int rooms = 100;

  @Option(names = "--peers", description = "peers per room (every pair negotiates). Default: ${DEFAULT-VALUE}")
  int peers = 2;

  @Option(names = "--placement", description = "which target each peer connects to: spread (a room's peers round-robin "
    + "over the targets: with as many targets as peers, every pair crosses nodes), random (each peer a random target, as "
    + "a load balancer without affinity), room (all of a room's peers on one target, as a load balancer hashing the room). "
    + "Default: ${DEFAULT-VALUE}")
  Placement placement = Placement.spread;

  /** {@code --placement}. */
  enum Placement { spread, random, room }

  @Option(names = "--candidates", description = "trickle ICE candidates each way per pair. Default: ${DEFAULT-VALUE}")
  int candidates = 8;

  @Option(names = "--sdp-bytes", paramLabel = "MIN[-MAX]", description = "SDP size in bytes, uniform in the range. Default: ${DEFAULT-VALUE}")
  String sdpBytes = "2048-6144";

  @Option(names = "--candidate-bytes", description = "size of an ICE candidate line, bytes. Default: ${DEFAULT-VALUE}")
  int candidateBytes = 100;

  @Option(names = "--rate", split = ",", paramLabel = "MSG_PER_S",
    description = "total steady rate(s), messages/s; a list is a ladder of steps, e.g. 5000,10000,20000. Default: ${DEFAULT-VALUE}")
  List<Double> rates = new ArrayList<>(List.of(1000.0));

  @Option(names = "--duration", description = "seconds per steady step. Default: ${DEFAULT-VALUE}")
  int duration = 10;

  @Option(names = "--warmup", description = "seconds of warm-up (not counted) before the first step; 0 for none. Default: ${DEFAULT-VALUE}")
  int warmup = 5;

  @Option(names = "--warmup-rate", description = "rate of the warm-up, messages/s (default: the first --rate)")
  double warmupRate;

  @Option(names = "--connect-rate", description = "new connections per second during set-up (0: no limit). Default: ${DEFAULT-VALUE}")
  double connectRate = 2000;

  @Option(names = "--max-connecting", description = "connections being opened at once, per generator thread. Default: ${DEFAULT-VALUE}")
  int maxConnecting = 1000;

  @Option(names = "--setup-timeout", description = "seconds to wait for every room to be set up. Default: ${DEFAULT-VALUE}")
  int setupTimeout = 120;

  @Option(names = "--drain-ms", description = "ms to wait after a step for messages in flight. Default: ${DEFAULT-VALUE}")
  long drainMs = 3000;

  @Option(names = "--slo-p99-ms", description = "a step passes with no loss and p99 at most this, ms. Default: ${DEFAULT-VALUE}")
  double sloP99Ms = 10;

  @Option(names = "--stop-after-failures", description = "stop the ladder after this many failed steps (0: never). Default: ${DEFAULT-VALUE}")
  int stopAfterFailures = 1;

  @Option(names = "--threads", description = "generator event loops (0: the cores, at most 4). Default: ${DEFAULT-VALUE}")
  int threads;

  @Option(names = "--local-address", split = ",", paramLabel = "IP",
    description = "source addresses to spread connections over, e.g. 127.0.0.2-127.0.0.9 or a list. Default: for "
      + "targets on loopback, " + LOOPBACK_SOURCES + " (a hub takes at most maxConnectionsPerIp, 100 by default, from "
      + "one address); else the system's choice")
  List<String> localAddressSpecs = new ArrayList<>();

  @Option(names = "--server-pid", paramLabel = "PID",
    description = "server process(es) to read CPU time from (/proc) and, with --measure-heap, heap (jcmd)")
  List<Long> serverPids = new ArrayList<>();

  @Option(names = "--measure-heap", description = "live objects of the JVM --server-pid(s) (jcmd GC.class_histogram, "
    + "after a full GC), before and after the set-up: bytes per connection")
  boolean measureHeap;

  @Option(names = "--heap-settle-seconds", description = "with --measure-heap: seconds idle after the set-up before the "
    + "heap is measured (the hub keeps frames for a resume until a pong answers its next ping, every 25 s). Default: ${DEFAULT-VALUE}")
  int heapSettleSeconds = 2;

  @Option(names = "--storm-kill", paramLabel = "PID",
    description = "reconnect storm: after the set-up, kill this server process (SIGKILL, e.g. one node of the "
      + "--target list); the peers it held reconnect as /client.js does (backoff 500 ms doubling, ±20 %%, resume "
      + "token, id-taken retried 5 times), each to the next target in turn; reports the time until all are back and "
      + "every room's view is whole")
  Long stormKill;

  @Option(names = "--storm-timeout", description = "seconds the storm may take. Default: ${DEFAULT-VALUE}")
  int stormTimeout = 120;

  @Option(names = "--storm-settle", description = "seconds every room must stay whole for the storm to end. Default: ${DEFAULT-VALUE}")
  int stormSettle = 5;

  @Option(names = "--hold", description = "seconds to keep the connections open, idle, after the last step "
    + "(e.g. to inspect the server). Default: ${DEFAULT-VALUE}")
  int hold;

  @Option(names = "--heartbeat-seconds", description = "PeerJS HEARTBEAT period per peer, s. Default: ${DEFAULT-VALUE}")
  int heartbeatSeconds = 25;

  @Option(names = "--peerjs-key", description = "PeerJS server key. Default: ${DEFAULT-VALUE}")
  String peerJsKey = "peerjs";

  @Option(names = "--run-id", description = "prefix of room names and peer ids (default: random)")
  String runId;

  @Option(names = "--out", description = "directory of the reports. Default: ${DEFAULT-VALUE}")
  Path out = Path.of(".");

  @Option(names = "--name", description = "report file name, without extension. Default: ${DEFAULT-VALUE}")
  String name = "loadtest";

  int sdpMin;
  int sdpMax;
  private PrintStream console = System.out;

  /** Where progress and the table go (System.out by default). */
  public LoadTestCommand console(PrintStream console) {
    this.console = console;
    return this;
  }

  /** The default {@code --local-address} for targets on loopback: 253 addresses, 25,300 connections at a hub's cap of 100. */
  static final String LOOPBACK_SOURCES = "127.0.0.2-127.0.0.254";

  /** The source addresses, ranges expanded; {@link #LOOPBACK_SOURCES} when none is given and every target is on loopback. */
  List<String> localAddresses() {
    List<String> all = new ArrayList<>();
    List<String> specs = localAddressSpecs.isEmpty() && allTargetsOnLoopback() ? List.of(LOOPBACK_SOURCES) : localAddressSpecs;
    for (String spec : specs) {
      int dash = spec.indexOf('-');
      if (dash < 0) {
        all.add(spec.trim());
        continue;
      }
      String from = spec.substring(0, dash).trim();
      String to = spec.substring(dash + 1).trim();
      String prefix = from.substring(0, from.lastIndexOf('.') + 1);
      int a = Integer.parseInt(from.substring(from.lastIndexOf('.') + 1));
      int b = Integer.parseInt(to.substring(to.lastIndexOf('.') + 1));
      for (int i = a; i <= b; i++) {
        all.add(prefix + i);
      }
    }
    return all;
  }

  private boolean allTargetsOnLoopback() {
    if (targets.isEmpty()) {
      return false;
    }
    for (String target : targets) {
      String host = LoadTest.Target.parse(target).host();
      if (!host.equals("localhost") && !host.startsWith("127.")) {
        return false;
      }
    }
    return true;
  }

  JsonObject toJson(String runId) {
    return new JsonObject().put("targets", new JsonArray(targets)).put("dialect", dialect).put("rooms", rooms)
      .put("peersPerRoom", peers).put("placement", placement.name()).put("candidatesEachWay", candidates).put("sdpBytesMin", sdpMin).put("sdpBytesMax", sdpMax)
      .put("candidateBytes", candidateBytes).put("rates", new JsonArray(rates)).put("stepSeconds", duration)
      .put("warmupSeconds", warmup).put("warmupRate", warmupRate > 0 ? warmupRate : rates.isEmpty() ? 0 : rates.get(0))
      .put("connectRate", connectRate).put("sloP99Ms", sloP99Ms).put("drainMs", drainMs)
      .put("threads", threads).put("localAddresses", new JsonArray(localAddresses()))
      .put("serverPids", new JsonArray(serverPids)).put("stormKill", stormKill).put("runId", runId);
  }

  @Override
  public Integer call() throws Exception {
    try {
      if (targets.isEmpty()) {
        throw new IllegalArgumentException("need at least one --target (or the 'chaos' subcommand, see chaos --help)");
      }
      String[] range = sdpBytes.split("-");
      sdpMin = Integer.parseInt(range[0].trim());
      sdpMax = range.length > 1 ? Integer.parseInt(range[1].trim()) : sdpMin;
      if (rooms < 1 || peers < 2 || candidates < 0 || sdpMin < 16 || sdpMax < sdpMin || duration < 1) {
        throw new IllegalArgumentException("need --rooms >= 1, --peers >= 2, --candidates >= 0, --sdp-bytes >= 16, --duration >= 1");
      }
      Driver.named(dialect, peerJsKey);
      targets.forEach(LoadTest.Target::parse);
      localAddresses();
    } catch (IllegalArgumentException e) {
      System.err.println("loadtest: " + e.getMessage());
      return 2;
    }
    LoadTest test = new LoadTest(this, console);
    console.printf("loadtest %s: %d room(s) x %d peers over %s (%s), %d candidates each way, SDP %d-%d bytes, "
        + "rates %s msg/s, %d s per step after %d s warm-up%n", test.runId, rooms, peers, targets, dialect, candidates,
      sdpMin, sdpMax, rates, duration, warmup);
    JsonObject report = test.run();
    Files.createDirectories(out);
    Path json = out.resolve(name + ".json");
    Path html = out.resolve(name + ".html");
    Files.writeString(json, report.encodePrettily(), StandardCharsets.UTF_8);
    Files.writeString(html, Reports.html(report), StandardCharsets.UTF_8);
    console.print(Reports.table(report));
    console.println("reports: " + json.toAbsolutePath() + " " + html.toAbsolutePath());
    return "pass".equals(report.getString("result")) ? 0 : 1;
  }
}
