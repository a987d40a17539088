package io.signalhub;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The cluster through network partitions and stalled nodes, on hosts of their own ({@link NetHosts}: network
 * namespaces on a bridge, one node each), with real clients that keep signaling throughout.
 */
class PartitionTest {

  private static final int ROOMS = 2;
  private static final int PEERS_PER_HOST = 2;
  private static final long INTERVAL_MS = 250;
  private static final long STEADY_MS = 3_000;
  private static final long CUT_MS = 15_000;
  private static final long STALL_MS = 10_000;
  private static final long TOLD_LEFT_WITHIN_MS = 10_000;
  private static final long CONVERGED_WITHIN_MS = 30_000;
  private static final long FLOWING_WITHIN_MS = 10_000;

  private enum Fault { CUT, STALL }

  @TempDir
  Path dir;
  private NetHosts hosts;
  private final List<NodeProcess> nodes = new ArrayList<>();
  private final List<InterimPeer> peers = new ArrayList<>();
  private final Map<String, Integer> hostOf = new HashMap<>();
  private final Map<String, String> roomOf = new HashMap<>();
  private Vertx clients;
  private String name;

  @BeforeEach
  void prerequisites(TestInfo test) {
    NetHosts.assumeAvailable();
    name = test.getTestMethod().map(java.lang.reflect.Method::getName).orElse("test");
    clients = Vertx.vertx();
  }

  @AfterEach
  void cleanUp() throws Exception {
    try {
      for (InterimPeer peer : peers) {
        peer.close();
      }
      if (clients != null) {
        clients.close().await(30, TimeUnit.SECONDS);
      }
      for (int i = 0; i < nodes.size(); i++) {
        nodes.get(i).close();
        // kept for a look after the run (CI keeps target/): what each node logged, with Hazelcast's view of the split
        Path logs = Path.of("target", "fault-logs");
        Files.createDirectories(logs);
        Files.writeString(logs.resolve(getClass().getSimpleName() + "." + name + ".node" + (i + 1) + ".log"), nodes.get(i).output());
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
    hosts = new NetHosts(n);
    Path xml = NodeProcess.clusterConfig(dir, hosts);
    for (int i = 1; i <= n; i++) {
      nodes.add(NodeProcess.startOn(hosts, i, xml));
    }
    assertEquals(n, nodes.get(n - 1).membersAtStart(), nodes.get(n - 1).output());
    for (int r = 0; r < ROOMS; r++) {
      for (int h = 1; h <= n; h++) {
        for (int k = 0; k < PEERS_PER_HOST; k++) {
          String id = "r" + r + "h" + h + "p" + k;
          NodeProcess node = nodes.get(h - 1);
          peers.add(new InterimPeer(clients, node.address(), node.port(), "r" + r, id, INTERVAL_MS));
          hostOf.put(id, h);
          roomOf.put(id, "r" + r);
        }
      }
    }
    awaitViews(this::everyone, 15_000, "before the fault");
    clients.timer(STEADY_MS).await();

    int victim = n;
    NodeProcess stalled = nodes.get(victim - 1);
    long faultAt = System.nanoTime();
    if (fault == Fault.CUT) {
      hosts.cut(victim);
    } else {
      stalled.pause();
    }
    // each side is told the other side left (node-failed); a stalled node's peers hear nothing while it is stopped
    long told = awaitViews(peer -> fault == Fault.STALL && hostOf.get(peer) == victim ? everyone(peer) : sameSide(peer, victim),
      TOLD_LEFT_WITHIN_MS, "after the " + fault);
    System.out.println(fault + " of host " + victim + "/" + n + ": every view lost the other side " + told + " ms after it");
    for (InterimPeer peer : peers) {
      if (fault == Fault.STALL && hostOf.get(peer.id) == victim) {
        continue;
      }
      for (String other : everyone(peer.id)) {
        if (!sameSide(peer.id, victim).contains(other)) {
          assertTrue(peer.events.stream().anyMatch(e -> e.t() > faultAt && e.kind().equals("left")
              && e.other().equals(other) && "node-failed".equals(e.text())),
            peer.id + " was not told peer-left " + other + " (node-failed)");
        }
      }
    }

    long faultMs = fault == Fault.CUT ? CUT_MS : STALL_MS;
    clients.timer(Math.max(1, faultMs - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - faultAt))).await();
    long healAt = System.nanoTime();
    if (fault == Fault.CUT) {
      hosts.heal(victim);
    } else {
      stalled.resume();
    }
    long converged;
    try {
      converged = awaitViews(this::everyone, CONVERGED_WITHIN_MS, "after the heal");
    } finally {
      System.out.println(fault + " of host " + victim + "/" + n + ": heal to converged views: "
        + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - healAt) + " ms");
    }
    System.out.println(fault + " of host " + victim + "/" + n + ": converged " + converged + " ms after the heal");

    // frames flow again, both ways across the former split
    Map<String, Long> before = highestReceived();
    awaitFlowing(before, victim);
    awaitViews(this::everyone, 1, "at the end (stays converged)");
    for (InterimPeer peer : peers) {
      assertTrue(peer.events.stream().noneMatch(e -> e.kind().equals("closed")), peer.id + "'s socket closed: " + peer.events);
    }
  }

  /** The other peers of {@code peer}'s room. */
  private Set<String> everyone(String peer) {
    Set<String> out = new TreeSet<>();
    for (InterimPeer p : peers) {
      if (!p.id.equals(peer) && roomOf.get(p.id).equals(roomOf.get(peer))) {
        out.add(p.id);
      }
    }
    return out;
  }

  /** The other peers of {@code peer}'s room on its side of a split of host {@code victim} from the others. */
  private Set<String> sameSide(String peer, int victim) {
    Set<String> out = new TreeSet<>();
    for (String other : everyone(peer)) {
      if ((hostOf.get(other) == victim) == (hostOf.get(peer) == victim)) {
        out.add(other);
      }
    }
    return out;
  }

  private interface Expected {
    Set<String> of(String peer);
  }

  /** Waits until every peer's view is what {@code expected} says; returns the ms it took, fails after {@code withinMs}. */
  private long awaitViews(Expected expected, long withinMs, String when) throws Exception {
    long start = System.nanoTime();
    List<String> left = LeakCheck.awaitEmpty(clients, () -> {
      List<String> wrong = new ArrayList<>();
      for (InterimPeer peer : peers) {
        Set<String> view = new TreeSet<>(peer.view());
        Set<String> want = expected.of(peer.id);
        if (!view.equals(want)) {
          wrong.add(peer.id + " sees " + view + ", expected " + want);
        }
      }
      return Future.succeededFuture(wrong);
    }, withinMs);
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    if (!left.isEmpty()) {
      fail("views " + when + " still wrong after " + ms + " ms:\n  " + String.join("\n  ", left) + logs());
    }
    return ms;
  }

  /** Highest frame number received per pair "sender->recipient". */
  private Map<String, Long> highestReceived() {
    Map<String, Long> out = new TreeMap<>();
    for (InterimPeer peer : peers) {
      for (InterimPeer.Event e : peer.events) {
        if (e.kind().equals("received")) {
          out.merge(e.other() + "->" + peer.id, e.n(), Math::max);
        }
      }
    }
    return out;
  }

  /** Waits until every pair across the former split received a higher number than in {@code before}. */
  private void awaitFlowing(Map<String, Long> before, int victim) throws Exception {
    List<String> stuck = LeakCheck.awaitEmpty(clients, () -> {
      Map<String, Long> now = highestReceived();
      List<String> out = new ArrayList<>();
      for (InterimPeer peer : peers) {
        for (String other : everyone(peer.id)) {
          if ((hostOf.get(other) == victim) != (hostOf.get(peer.id) == victim)) {
            String pair = other + "->" + peer.id;
            if (now.getOrDefault(pair, 0L) <= before.getOrDefault(pair, 0L)) {
              out.add(pair + " at n=" + now.getOrDefault(pair, 0L));
            }
          }
        }
      }
      return Future.succeededFuture(out);
    }, FLOWING_WITHIN_MS);
    if (!stuck.isEmpty()) {
      fail("no frame across the former split within " + FLOWING_WITHIN_MS + " ms after convergence: " + stuck + logs());
    }
  }

  private String logs() {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < nodes.size(); i++) {
      String log = nodes.get(i).output();
      out.append("\n--- node ").append(i + 1).append(" (last 6000 chars) ---\n")
        .append(log.substring(Math.max(0, log.length() - 6000)));
    }
    return out.toString();
  }
}
