package io.signalhub.loadtest.chaos;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Hosts of their own for the nodes of a chaos run, so that one node can be cut off from the others (a network
 * partition) while its clients still reach it: a network namespace per node, with two links each.
 * <ul>
 *   <li>the cluster link: a veth pair from the node's namespace to a bridge in a namespace of its own;
 *       node {@code i} is {@code 10.A.0.(i+1)/24} there (Hazelcast and the event bus bind to it);</li>
 *   <li>the client link: a veth pair from the node's namespace to the namespace this tool runs in;
 *       node {@code i} is {@code 10.A.(i+1).2/30}, this side {@code 10.A.(i+1).1/30} (the hub's HTTP server).</li>
 * </ul>
 * A partition takes node {@code i}'s cluster link down ({@code ip link set ... down}); the heal brings it up.
 * {@code A} is drawn among the 10.x networks that no route of this namespace uses; names carry a random suffix,
 * so two runs on one machine do not collide. {@link #close()} deletes every namespace (and with them the links).
 * Needs root and iproute2 ({@code ip netns}).
 */
final class Namespaces implements AutoCloseable {

  private final String id;
  private final int a;
  private final int nodes;
  private final List<String> created = new ArrayList<>();

  private Namespaces(String id, int a, int nodes) {
    this.id = id;
    this.a = a;
    this.nodes = nodes;
  }

  /** Whether this process may make namespaces: root, and {@code ip netns add/del} works. */
  static boolean available() {
    if (!"root".equals(System.getProperty("user.name"))) {
      return false;
    }
    String probe = "chp" + Long.toString(System.nanoTime() & 0xffffff, 36);
    try {
      run("ip", "netns", "add", probe);
      run("ip", "netns", "del", probe);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Makes the namespaces and links of {@code nodes} nodes; undoes what it made if a step fails. */
  static Namespaces create(int nodes, Random random) throws IOException {
    if (nodes > 200) {
      throw new IllegalArgumentException("at most 200 nodes in namespaces");
    }
    String routes = run("ip", "-4", "route", "show", "table", "all") + run("ip", "-4", "addr");
    List<Integer> free = new ArrayList<>();
    for (int x = 160; x < 250; x++) {
      if (!routes.contains(" 10." + x + ".") && !routes.contains("\n10." + x + ".") && !routes.startsWith("10." + x + ".")) {
        free.add(x);
      }
    }
    if (free.isEmpty()) {
      throw new IOException("no free 10.x.0.0/16 network for the namespaces");
    }
    String id = Long.toString(random.nextLong() & 0xfffffL | 0x100000L, 36); // 4-5 characters: interface names <= 15
    Namespaces ns = new Namespaces(id, free.get(random.nextInt(free.size())), nodes);
    try {
      ns.build();
    } catch (IOException | RuntimeException e) {
      ns.close();
      throw e;
    }
    return ns;
  }

  private String bridgeNs() {
    return "ch" + id + "br";
  }

  private String nodeNs(int i) {
    return "ch" + id + "n" + i;
  }

  private String clusterVeth(int i) {
    return "c" + id + "n" + i;
  }

  private void build() throws IOException {
    String br = bridgeNs();
    run("ip", "netns", "add", br);
    created.add(br);
    run("ip", "-n", br, "link", "set", "lo", "up");
    run("ip", "-n", br, "link", "add", "br0", "type", "bridge");
    run("ip", "-n", br, "link", "set", "br0", "up");
    for (int i = 0; i < nodes; i++) {
      String n = nodeNs(i);
      run("ip", "netns", "add", n);
      created.add(n);
      run("ip", "-n", n, "link", "set", "lo", "up");
      // cluster link: node <-> bridge
      String c = clusterVeth(i);
      String cb = "c" + id + "b" + i;
      run("ip", "link", "add", c, "type", "veth", "peer", "name", cb);
      run("ip", "link", "set", c, "netns", n);
      run("ip", "link", "set", cb, "netns", br);
      run("ip", "-n", br, "link", "set", cb, "master", "br0");
      run("ip", "-n", br, "link", "set", cb, "up");
      run("ip", "-n", n, "addr", "add", clusterAddress(i) + "/24", "dev", c);
      run("ip", "-n", n, "link", "set", c, "up");
      // client link: node <-> this namespace
      String h = "h" + id + "n" + i;
      String hb = "h" + id + "h" + i;
      run("ip", "link", "add", h, "type", "veth", "peer", "name", hb);
      run("ip", "link", "set", h, "netns", n);
      run("ip", "addr", "add", "10." + a + "." + (i + 1) + ".1/30", "dev", hb);
      run("ip", "link", "set", hb, "up");
      run("ip", "-n", n, "addr", "add", clientAddress(i) + "/30", "dev", h);
      run("ip", "-n", n, "link", "set", h, "up");
    }
  }

  /** Node {@code i}'s address on the cluster network. */
  String clusterAddress(int i) {
    return "10." + a + ".0." + (i + 1);
  }

  /** The cluster network as Hazelcast's {@code <interface>} wildcard. */
  String clusterInterfaces() {
    return "10." + a + ".0.*";
  }

  /** Node {@code i}'s address on its client link (its HTTP server listens there). */
  String clientAddress(int i) {
    return "10." + a + "." + (i + 1) + ".2";
  }

  /** The command prefix that runs a program in node {@code i}'s namespace. */
  List<String> exec(int i) {
    return List.of("ip", "netns", "exec", nodeNs(i));
  }

  /** Cuts node {@code i} off the cluster network (its clients still reach it). */
  void cut(int i) throws IOException {
    run("ip", "-n", nodeNs(i), "link", "set", clusterVeth(i), "down");
  }

  /** Joins node {@code i} to the cluster network again. */
  void heal(int i) throws IOException {
    run("ip", "-n", nodeNs(i), "link", "set", clusterVeth(i), "up");
  }

  /** What the run made: names and networks, for the report. */
  String describe() {
    return String.format("namespaces ch%s{br,n0..n%d}, cluster network 10.%d.0.0/24, client links 10.%d.1-%d.0/30",
      id, nodes - 1, a, a, nodes);
  }

  /** Deletes every namespace made (their links go with them). */
  @Override
  public synchronized void close() {
    for (int i = created.size() - 1; i >= 0; i--) {
      try {
        run("ip", "netns", "del", created.get(i));
      } catch (IOException e) {
        // next: delete what can be deleted
      }
    }
    created.clear();
  }

  /** Runs a command (10 s at most); its output, or an IOException with it if it failed. */
  static String run(String... command) throws IOException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8); // until it exits
    try {
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(String.join(" ", command) + ": no answer in 10 s");
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    if (p.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " failed (" + p.exitValue() + "): " + out.trim());
    }
    return out;
  }
}
