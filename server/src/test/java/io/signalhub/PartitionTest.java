package io.signalhub;

import io.signalhub.loadtest.chaos.ChaosPeer;
import io.signalhub.loadtest.chaos.History;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The cluster through network partitions and stalled nodes, one node per host of its own ({@link NetHosts}:
 * network namespaces on a bridge; the test's clients reach every host over a link of its own, whatever happens to
 * the cluster's), with real clients ({@link ChaosPeer}: protocol v1, each sending every peer of its view a numbered
 * {@code ice-candidate} every {@value #INTERVAL_MS} ms, recording everything into one {@link History}).
 *
 * <p>Two rooms, two peers per host in each. The last host is cut off from the others for {@value #CUT_MS} ms (its
 * cluster link down: a partition, 1/1 or 1/2), or its node is stalled for {@value #STALL_MS} ms (SIGSTOP, SIGCONT).
 * Then, as docs/protocol.md ("Delivery contract") and docs/configuration.md ("Partitions, stalls and merges") say:
 * <ul>
 *   <li>each side is told {@code peer-left} ({@code node-failed}) for each peer of the other side of its rooms within
 *       {@value #TOLD_LEFT_WITHIN_MS} ms of the cut (a stalled node's peers hear nothing while it is stopped, so for a
 *       stall only the others);</li>
 *   <li>within {@value #CONVERGED_WITHIN_MS} ms of the heal (or thaw), every peer's view of its room ({@code welcome}
 *       peers + {@code peer-joined} - {@code peer-left}) is the whole room again, and stays so (rule 4); the time is
 *       printed;</li>
 *   <li>frames flow again across the former split, both ways, for every pair;</li>
 *   <li>no client's socket was closed (no reconnect, no resume: the hub kept every connection through the fault);</li>
 *   <li>the history keeps rules 1-3 of the contract ({@link History#check()}: no duplicate, no reorder, no frame from
 *       a peer the recipient was told had left, no frame lost without an error, a {@code peer-left} or a session's
 *       end), checked after the peers stop sending and what was in flight arrived.</li>
 * </ul>
 * The cluster XML is the built-in one for these hosts ({@link NodeProcess#clusterConfig(Path, NetHosts)}: merge runs
 * every 5 s). What each node logged is kept in {@code target/fault-logs/}, with the history when a check fails.
 * Needs root and {@code ip netns} (skipped otherwise, failed with {@code CI=true}).
 */
class PartitionTest {

  private static final int ROOMS = 2;
  private static final int PEERS_PER_HOST = 2;
  private static final long INTERVAL_MS = 500;
  /** How long a peer waits for its {@code welcome} before it tries the next node: /client.js's default. */
  private static final long JOIN_TIMEOUT_MS = 10_000;
  /**
   * Steady signaling before the fault: long enough for Hazelcast to finish moving partitions to the nodes that just
   * joined (a stall during those migrations delayed failure detection past TOLD_LEFT_WITHIN_MS once).
   */
  private static final long STEADY_MS = 10_000;
  private static final long CUT_MS = 15_000;
  private static final long STALL_MS = 10_000;
  private static final long JOINED_WITHIN_MS = 25_000;
  private static final long TOLD_LEFT_WITHIN_MS = 10_000;
  private static final long CONVERGED_WITHIN_MS = 30_000;
  private static final long FLOWING_WITHIN_MS = 10_000;
  /** The hub's {@code holdMs} (its default): a frame for a peer absent from its recipient's node is held this long. */
  private static final long HOLD_MS = 30_000;
  /**
   * After the peers stop sending, how long the history may take to keep rules 1-3: a frame still held by the hub when
   * the peers stop gets its {@code expired} error at most {@link #HOLD_MS} later (a passing run does not wait).
   */
  private static final long DRAINED_WITHIN_MS = HOLD_MS + 5_000;

  private enum Fault { CUT, STALL }

  @TempDir
  Path dir;
  private NetHosts hosts;
  private final List<NodeProcess> nodes = new ArrayList<>();
  private final List<ChaosPeer> peers = new ArrayList<>();
  private final Map<String, Integer> hostOf = new HashMap<>();
  private final History history = new History();
  private Vertx clients;
  private WebSocketClient webSockets;
  private String name;

  @BeforeEach
  void prerequisites(TestInfo test) {
    NetHosts.assumeAvailable();
    name = test.getTestMethod().map(java.lang.reflect.Method::getName).orElse("test");
    clients = Vertx.vertx();
    webSockets = ChaosPeer.client(clients);
  }

  @AfterEach
  void cleanUp() throws Exception {
    try {
      // nodes first (kill -9): a peer's closing handshake with a node still stopped would never end
      Path logs = Files.createDirectories(Path.of("target", "fault-logs"));
      writeHistory();
      for (int i = 0; i < nodes.size(); i++) {
        nodes.get(i).close();
        // kept for a look after the run: what each node logged (Hazelcast's view of the split and the merge)
        Files.writeString(logs.resolve(prefix() + ".node" + (i + 1) + ".log"), nodes.get(i).output());
      }
      for (ChaosPeer peer : peers) {
        peer.close(); // no wait: its node is gone
      }
      if (clients != null) {
        clients.close().await(30, TimeUnit.SECONDS);
      }
    } finally {
      if (hosts != null) {
        hosts.close();
      }
    }
  }

  @Test
  void twoNodesPartitionedThenHealed() throws Exception {
    run(2, Fault.CUT);
  }

  @Test
  void twoNodesOneStalledThenThawed() throws Exception {
    run(2, Fault.STALL);
  }

  @Test
  void threeNodesOneCutOffThenHealed() throws Exception {
    run(3, Fault.CUT);
  }

  @Test
  void threeNodesOneStalledThenThawed() throws Exception {
    run(3, Fault.STALL);
  }

  private void run(int n, Fault fault) throws Exception {
    String what = fault + " of host " + n + " of " + n;
    hosts = new NetHosts(n);
    Path xml = NodeProcess.clusterConfig(dir, hosts);
    for (int i = 1; i <= n; i++) {
      nodes.add(NodeProcess.startOn(hosts, i, xml));
    }
    assertEquals(n, nodes.get(n - 1).membersAtStart(), nodes.get(n - 1).output());
    List<String> addresses = nodes.stream().map(node -> node.address() + ":" + node.port()).toList();
    long seed = ThreadLocalRandom.current().nextLong();
    List<Future<Void>> joined = new ArrayList<>();
    for (int r = 0; r < ROOMS; r++) {
      for (int h = 1; h <= n; h++) {
        for (int k = 0; k < PEERS_PER_HOST; k++) {
          String id = "r" + r + "h" + h + "p" + k;
          ChaosPeer peer = new ChaosPeer(clients, webSockets, history, "r" + r, id, addresses, h - 1, INTERVAL_MS,
            seed + peers.size()).joinTimeoutMs(JOIN_TIMEOUT_MS);
          peers.add(peer);
          hostOf.put(id, h);
          joined.add(peer.start());
        }
      }
    }
    Future.all(joined).await(JOINED_WITHIN_MS, TimeUnit.MILLISECONDS);
    awaitViews(this::room, JOINED_WITHIN_MS, "after joining");
    clients.timer(STEADY_MS).await();
    // where each peer is now (one whose first join timed out, e.g. while the new cluster moved its partitions, went on
    // to the next node, as /client.js's reconnect would): the sides of the split follow from that
    for (ChaosPeer peer : peers) {
      hostOf.put(peer.id(), addresses.indexOf(peer.node()) + 1);
    }

    int victim = n;
    long faultAt = System.nanoTime();
    if (fault == Fault.CUT) {
      hosts.cut(victim);
    } else {
      nodes.get(victim - 1).pause();
    }
    // each side loses the other; a stalled node's peers hear nothing while it is stopped
    Function<String, Set<String>> split = peer -> fault == Fault.STALL && hostOf.get(peer) == victim
      ? room(peer) : sameSide(peer, victim);
    long lost = awaitViews(split, TOLD_LEFT_WITHIN_MS, "after the " + fault);
    System.out.println(what + ": every view lost the other side " + lost + " ms after it");
    assertToldNodeFailed(faultAt, victim, fault == Fault.STALL);

    long faultMs = fault == Fault.CUT ? CUT_MS : STALL_MS;
    clients.timer(Math.max(1, faultMs - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - faultAt))).await();
    long healAt = System.nanoTime();
    if (fault == Fault.CUT) {
      hosts.heal(victim);
    } else {
      nodes.get(victim - 1).resume();
    }
    try {
      awaitViews(this::room, CONVERGED_WITHIN_MS, "after the heal");
    } finally {
      System.out.println(what + ": heal to converged views " + ms(healAt) + " ms (bound " + CONVERGED_WITHIN_MS + " ms)");
    }

    awaitFlowing(victim);
    List<History.Violation> views = history.checkViews(actualRooms());
    if (!views.isEmpty()) {
      fail(failure("views did not stay converged", views));
    }
    if (!history.closesByCode().isEmpty() || history.welcomes()[0] != peers.size()) {
      fail(failure("sockets closed " + history.closesByCode() + ", welcomes " + history.welcomes()[0] + " for "
        + peers.size() + " peers: the hub did not keep every connection through the " + fault, List.of()));
    }

    for (ChaosPeer peer : peers) {
      peer.sending(false);
    }
    long stoppedAt = System.nanoTime();
    List<String> violations = LeakCheck.awaitEmpty(clients,
      () -> Future.succeededFuture(history.check().stream().map(History.Violation::toString).toList()), DRAINED_WITHIN_MS);
    if (!violations.isEmpty()) {
      fail(failure("the history breaks the delivery contract", history.check()));
    }
    assertNoSpuriousNotices(victim);
    System.out.println(what + ": " + history.sentCount() + " frames sent, " + history.receivedCount() + " received, errors "
      + history.errorsByCode() + ", peer-left " + history.leftByReason() + "; contract kept (checked " + ms(stoppedAt)
      + " ms after the peers stopped sending)");
  }

  /** The other peers of {@code peer}'s room. */
  private Set<String> room(String peer) {
    Set<String> out = new TreeSet<>();
    String room = peer.substring(0, peer.indexOf('h'));
    for (ChaosPeer p : peers) {
      if (!p.id().equals(peer) && p.room().equals(room)) {
        out.add(p.id());
      }
    }
    return out;
  }

  /** The other peers of {@code peer}'s room on its side of a split of host {@code victim} from the others. */
  private Set<String> sameSide(String peer, int victim) {
    Set<String> out = new TreeSet<>();
    for (String other : room(peer)) {
      if ((hostOf.get(other) == victim) == (hostOf.get(peer) == victim)) {
        out.add(other);
      }
    }
    return out;
  }

  private Map<String, Set<String>> actualRooms() {
    Map<String, Set<String>> out = new TreeMap<>();
    for (ChaosPeer p : peers) {
      out.put(p.id(), room(p.id()));
    }
    return out;
  }

  /**
   * Waits until every peer's view, as recorded in the history, is what {@code expected} says; returns the ms it took,
   * fails after {@code withinMs}.
   */
  private long awaitViews(Function<String, Set<String>> expected, long withinMs, String when) throws Exception {
    long start = System.nanoTime();
    List<String> wrong = LeakCheck.awaitEmpty(clients, () -> {
      Map<String, Set<String>> views = history.views();
      List<String> out = new ArrayList<>();
      for (ChaosPeer peer : peers) {
        Set<String> view = new TreeSet<>(views.getOrDefault(peer.id(), Set.of()));
        Set<String> want = expected.apply(peer.id());
        if (!view.equals(want)) {
          out.add(peer.id() + " sees " + view + ", expected " + want);
        }
      }
      return Future.succeededFuture(out);
    }, withinMs);
    if (!wrong.isEmpty()) {
      fail(failure("views " + when + " still wrong after " + ms(start) + " ms:\n  " + String.join("\n  ", wrong), List.of()));
    }
    return ms(start);
  }

  /**
   * Each peer (but a stalled node's) was told {@code peer-left} with reason {@code node-failed} for each peer of its
   * room across the split, after the fault and within {@link #TOLD_LEFT_WITHIN_MS}; prints the slowest.
   */
  private void assertToldNodeFailed(long faultAt, int victim, boolean stalled) throws Exception {
    double from = history.seconds(faultAt);
    Map<String, Double> told = new HashMap<>(); // "by left" -> seconds since the fault
    for (String[] e : events()) {
      if (e[2].equals("left") && e[4].equals("node-failed") && seconds(e[0]) >= from) {
        told.putIfAbsent(e[1] + " " + e[3], seconds(e[0]) - from);
      }
    }
    double slowest = 0;
    List<String> missing = new ArrayList<>();
    for (ChaosPeer peer : peers) {
      if (stalled && hostOf.get(peer.id()) == victim) {
        continue;
      }
      for (String other : room(peer.id())) {
        if (!sameSide(peer.id(), victim).contains(other)) {
          Double s = told.get(peer.id() + " " + other);
          if (s == null || s * 1000 > TOLD_LEFT_WITHIN_MS) {
            missing.add(peer.id() + " about " + other + (s == null ? ": never" : String.format(": after %.1f s", s)));
          } else {
            slowest = Math.max(slowest, s);
          }
        }
      }
    }
    if (!missing.isEmpty()) {
      fail(failure("not told peer-left (node-failed) within " + TOLD_LEFT_WITHIN_MS + " ms: " + missing, List.of()));
    }
    System.out.printf("every peer-left (node-failed) across the split within %.1f s of the fault%n", slowest);
  }

  /**
   * Nobody was told {@code peer-left} about a peer of its own side of the split (that peer's node never left it), nor
   * twice about the same peer: the hub announced only the departures the fault caused (a WebRTC client tears down its
   * peer connection on {@code peer-left}).
   */
  private void assertNoSpuriousNotices(int victim) {
    Map<String, Integer> told = new TreeMap<>();
    List<String> spurious = new ArrayList<>();
    for (String[] e : events()) {
      if (e[2].equals("left")) {
        if (sameSide(e[1], victim).contains(e[3])) {
          spurious.add(String.format("%s told %s left (%s) at %s s, a peer of its own side", e[1], e[3], e[4], e[0]));
        }
        told.merge(e[1] + " about " + e[3], 1, Integer::sum);
      }
    }
    told.forEach((pair, times) -> {
      if (times > 1) {
        spurious.add(pair + ": peer-left " + times + " times");
      }
    });
    if (!spurious.isEmpty()) {
      fail(failure("peer-left beyond the split (" + spurious.size() + "):\n  " + String.join("\n  ", spurious), List.of()));
    }
  }

  /**
   * Waits until every pair of peers on either side of the former split received a frame numbered above the highest it
   * had when the views converged: frames flow again, both ways.
   */
  private void awaitFlowing(int victim) throws Exception {
    Map<String, Long> before = highestReceived();
    long start = System.nanoTime();
    List<String> stuck = LeakCheck.awaitEmpty(clients, () -> {
      Map<String, Long> now = highestReceived();
      List<String> out = new ArrayList<>();
      for (ChaosPeer peer : peers) {
        for (String other : room(peer.id())) {
          if (!sameSide(peer.id(), victim).contains(other)) {
            String pair = other + " -> " + peer.id();
            if (now.getOrDefault(pair, 0L) <= before.getOrDefault(pair, 0L)) {
              out.add(pair + " at n=" + now.getOrDefault(pair, 0L));
            }
          }
        }
      }
      return Future.succeededFuture(out);
    }, FLOWING_WITHIN_MS);
    if (!stuck.isEmpty()) {
      fail(failure("no new frame across the former split within " + FLOWING_WITHIN_MS + " ms of convergence: " + stuck,
        List.of()));
    }
    System.out.println("frames flow again both ways across the former split " + ms(start) + " ms after convergence");
  }

  /** Highest frame number received per pair {@code "sender -> recipient"}. */
  private Map<String, Long> highestReceived() {
    Map<String, Long> out = new HashMap<>();
    for (String[] e : events()) {
      if (e[2].equals("received")) {
        out.merge(e[3] + " -> " + e[1], Long.parseLong(e[4].substring("n=".length())), Math::max);
      }
    }
    return out;
  }

  /** The history's events as {@link History#dump} writes them, split at spaces: seconds, peer, kind, other, more. */
  private List<String[]> events() {
    StringBuilder text = new StringBuilder();
    try {
      history.dump(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a StringBuilder throws none
    }
    List<String[]> out = new ArrayList<>();
    for (String line : text.toString().split("\n")) {
      String[] e = line.split(" ", 5);
      if (e.length >= 5) {
        out.add(e);
      }
    }
    return out;
  }

  private static double seconds(String s) {
    return Double.parseDouble(s.replace(',', '.'));
  }

  private static long ms(long since) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since);
  }

  private String prefix() {
    return getClass().getSimpleName() + "." + name;
  }

  /** Writes every event of the history to {@code target/fault-logs/<test>.history.txt} ({@link History#dump}). */
  private Path writeHistory() throws IOException {
    StringBuilder dump = new StringBuilder();
    history.dump(dump);
    Path file = Files.createDirectories(Path.of("target", "fault-logs")).resolve(prefix() + ".history.txt");
    Files.writeString(file, dump);
    return file;
  }

  /** A failure message: what failed, the violations, where the history and logs are, and the ends of the nodes' logs. */
  private String failure(String what, List<History.Violation> violations) {
    StringBuilder out = new StringBuilder(what);
    violations.stream().limit(40).forEach(v -> out.append("\n  ").append(v));
    if (violations.size() > 40) {
      out.append("\n  ... ").append(violations.size() - 40).append(" more");
    }
    try {
      out.append("\nhistory: ").append(writeHistory().toAbsolutePath()).append(", node logs next to it");
    } catch (Exception e) {
      out.append("\n(history not written: ").append(e).append(')');
    }
    for (int i = 0; i < nodes.size(); i++) {
      String log = nodes.get(i).output();
      out.append("\n--- node ").append(i + 1).append(", last 4000 characters ---\n")
        .append(log.substring(Math.max(0, log.length() - 4000)));
    }
    return out.toString();
  }
}
