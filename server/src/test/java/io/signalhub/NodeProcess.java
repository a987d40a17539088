package io.signalhub;

import io.signalhub.launcher.HubConfig;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A hub node in a JVM of its own (the standalone launcher, {@code HubMain}), on loopback, in a cluster
 * with a random name and port range; or ({@link #startOn}) on a host of {@link NetHosts}. Its output goes to a file
 * (a pipe would lose what the node writes while it exits: the JDK closes a dead child's pipe under its reader),
 * which is kept for failure messages.
 */
final class NodeProcess implements AutoCloseable {

  /** The node's start line, also inside a JSON log line ({@code logFormat=json}), where each / is written {@code \/}. */
  private static final Pattern LISTENING = Pattern.compile("signalhub listening on http:\\\\?/\\\\?/[^/:\\\\]+:(\\d+)\\\\?/");
  private static final Pattern MEMBERS = Pattern.compile("clustered as node (\\S+), (\\d+) node\\(s\\) in the cluster");

  private final Process process;
  private final Path log;
  private final String address;
  private final CompletableFuture<Integer> listening = new CompletableFuture<>();
  private volatile String nodeId;
  private volatile int members;

  private NodeProcess(Process process, Path log, String address) {
    this.process = process;
    this.log = log;
    this.address = address;
    Thread reader = new Thread(this::follow, "node-output-" + process.pid());
    reader.setDaemon(true);
    reader.start();
  }

  /** A Hazelcast XML for a test cluster: the built-in one with a random name and port range. */
  static Path clusterConfig(Path dir, int nodes) throws IOException {
    int base = 20_000 + 10 * ThreadLocalRandom.current().nextInt(2_000);
    String xml;
    try (InputStream in = NodeProcess.class.getClassLoader().getResourceAsStream(HubConfig.CLUSTER_RESOURCE)) {
      xml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    StringBuilder members = new StringBuilder();
    for (int i = 0; i < nodes; i++) {
      members.append("<member>127.0.0.1:").append(base + i).append("</member>");
    }
    xml = xml.replace("<cluster-name>signalhub</cluster-name>", "<cluster-name>test-" + UUID.randomUUID() + "</cluster-name>")
      .replace(">5701</port>", ">" + base + "</port>")
      .replace("<member>127.0.0.1</member>", members.toString());
    Path file = dir.resolve("cluster.xml");
    Files.writeString(file, xml);
    return file;
  }

  /**
   * A Hazelcast XML for a cluster of one node per host of {@code hosts}: the built-in one with a random name, every
   * host's cluster address and Hazelcast port under {@code <tcp-ip>}, the hosts' network ({@code 10.B.0.*}) under
   * {@code <interfaces>}, and the split-brain merge run 5 s after start then every 5 s
   * ({@code hazelcast.merge.first.run.delay.seconds}, {@code hazelcast.merge.next.run.delay.seconds}; Hazelcast's
   * defaults are 300 s and 120 s), so that two sides of a healed partition merge within seconds.
   */
  static Path clusterConfig(Path dir, NetHosts hosts) throws IOException {
    String xml;
    try (InputStream in = NodeProcess.class.getClassLoader().getResourceAsStream(HubConfig.CLUSTER_RESOURCE)) {
      xml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    // each member with its port: without one, Hazelcast's split-brain search also tries the next two ports of every
    // host, waiting 5 s on each address that does not answer, which put up to ~25 s between a heal and the merge
    Matcher port = Pattern.compile("<port[^>]*>(\\d+)</port>").matcher(xml);
    if (!port.find()) {
      throw new IllegalStateException("no <port> in the built-in cluster XML");
    }
    StringBuilder members = new StringBuilder();
    for (int i = 1; i <= hosts.size(); i++) {
      members.append("<member>").append(hosts.clusterAddress(i)).append(':').append(port.group(1)).append("</member>");
    }
    xml = xml.replace("<cluster-name>signalhub</cluster-name>", "<cluster-name>test-" + UUID.randomUUID() + "</cluster-name>")
      .replace("<member>127.0.0.1</member>", members.toString())
      .replace("<interface>127.0.0.1</interface>", "<interface>" + hosts.clusterInterfaces() + "</interface>");
    xml = property(xml, "hazelcast.merge.first.run.delay.seconds", "5");
    xml = property(xml, "hazelcast.merge.next.run.delay.seconds", "5");
    if (xml.replaceAll("(?s)<!--.*?-->", "").contains("127.0.0.1")) { // comments may name loopback, elements not
      throw new IllegalStateException("the built-in cluster XML changed: loopback is left in it\n" + xml);
    }
    Path file = dir.resolve("cluster-hosts.xml");
    Files.writeString(file, xml);
    return file;
  }

  /** {@code xml} with Hazelcast property {@code name} set to {@code value} (replaced, or added to {@code <properties>}). */
  private static String property(String xml, String name, String value) {
    String element = "<property name=\"" + name + "\">" + value + "</property>";
    Matcher existing = Pattern.compile("<property name=\"" + Pattern.quote(name) + "\">[^<]*</property>").matcher(xml);
    if (existing.find()) {
      return existing.replaceAll(Matcher.quoteReplacement(element));
    }
    if (!xml.contains("</properties>")) {
      throw new IllegalStateException("no <properties> in the built-in cluster XML");
    }
    return xml.replace("</properties>", "  " + element + "\n  </properties>");
  }

  /** Starts a node and waits (up to 60 s) until it listens. */
  static NodeProcess start(Path clusterConfig, String... settings) throws Exception {
    // port 0: the node binds a free port and logs it (a port found free here could be taken before the node binds it)
    List<String> command = javaCommand(clusterConfig, 0, settings);
    return start(command, clusterConfig.getParent(), "127.0.0.1");
  }

  /**
   * Starts a node on host {@code i} (1-based) of {@code hosts} and waits (up to 60 s) until it listens: the event bus
   * and Hazelcast on the host's cluster address ({@code --cluster-host}), the HTTP server on every interface of the
   * host ({@code host=0.0.0.0}), so that clients reach it at {@link #address()} (the host's client address).
   * {@code clusterConfig} is usually {@link #clusterConfig(Path, NetHosts)}'s.
   */
  static NodeProcess startOn(NetHosts hosts, int i, Path clusterConfig, String... settings) throws Exception {
    List<String> java = javaCommand(clusterConfig, 0, settings);
    java.addAll(List.of("--cluster-host", hosts.clusterAddress(i), "--set", "host=0.0.0.0"));
    return start(hosts.exec(i, java), clusterConfig.getParent(), hosts.clientAddress(i));
  }

  private static List<String> javaCommand(Path clusterConfig, int port, String... settings) {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of("-Xmx256m", "-XX:+UseSerialGC", "-Djava.net.preferIPv4Stack=true",
      "--add-opens", "java.base/java.lang=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
      "-cp", System.getProperty("java.class.path"), "io.signalhub.launcher.HubMain",
      "--port", String.valueOf(port), "--cluster-config", clusterConfig.toString(), "--set", "anonymous=true"));
    for (String setting : settings) {
      command.addAll(List.of("--set", setting));
    }
    return command;
  }

  private static NodeProcess start(List<String> command, Path dir, String address) throws Exception {
    Path log = Files.createTempFile(dir, "node-", ".log");
    NodeProcess node = new NodeProcess(new ProcessBuilder(command).redirectErrorStream(true)
      .redirectOutput(log.toFile()).start(), log, address);
    try {
      node.listening.get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      node.close();
      throw new AssertionError("node did not start:\n" + node.output(), e);
    }
    return node;
  }

  /**
   * Follows the log (like {@code tail -f}) until the node listens or exits: at the end of the file it waits for the
   * next write to the log's directory (inotify, through a {@link WatchService}), or for the process to exit.
   */
  private void follow() {
    try (WatchService writes = log.getFileSystem().newWatchService();
         BufferedReader reader = Files.newBufferedReader(log, StandardCharsets.UTF_8)) {
      log.getParent().register(writes, StandardWatchEventKinds.ENTRY_MODIFY);
      process.onExit().thenRun(() -> {
        try {
          writes.close(); // wakes the wait below: what is left in the file is read once more
        } catch (IOException e) {
          // closing anyway
        }
      });
      while (!listening.isDone()) {
        String line = reader.readLine();
        if (line != null) {
          read(line);
        } else if (!process.isAlive()) {
          for (String rest = reader.readLine(); rest != null; rest = reader.readLine()) {
            read(rest); // written between the last read and the exit
          }
          break;
        } else {
          try {
            WatchKey key = writes.take();
            key.pollEvents();
            key.reset();
          } catch (ClosedWatchServiceException exited) {
            // the process exited: the loop reads to the end of the file, then stops
          }
        }
      }
    } catch (IOException | InterruptedException e) {
      // fall through
    }
    listening.completeExceptionally(new IllegalStateException("node exited"));
  }

  private void read(String line) {
    Matcher m = MEMBERS.matcher(line);
    if (m.find()) {
      nodeId = m.group(1);
      members = Integer.parseInt(m.group(2));
    }
    Matcher l = LISTENING.matcher(line);
    if (l.find()) {
      listening.complete(Integer.parseInt(l.group(1)));
    }
  }

  int port() {
    return listening.join();
  }

  /** The address clients connect to: 127.0.0.1, or the client address of the node's host ({@link #startOn}). */
  String address() {
    return address;
  }

  /**
   * SIGSTOP: the node's JVM stops at once, every thread (a frozen VM, a very long GC pause); its sockets stay open
   * and the kernel keeps accepting for them. {@link #resume()} thaws it.
   */
  void pause() throws Exception {
    signal("STOP");
  }

  /** SIGCONT: a {@link #pause() paused} node runs on. */
  void resume() throws Exception {
    signal("CONT");
  }

  private void signal(String signal) throws Exception {
    // the process started is the JVM itself (scripts/netns and `ip netns exec` replace themselves with it)
    String command = process.info().command().orElse("");
    if (!command.endsWith("/java")) {
      throw new IllegalStateException("process " + process.pid() + " is '" + command + "', not the node's JVM");
    }
    // bash's built-in kill: /bin/kill (procps) may be missing on a minimal machine
    Process kill = new ProcessBuilder("bash", "-c", "kill -" + signal + " " + process.pid()).inheritIO().start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new IllegalStateException("kill -" + signal + " " + process.pid() + " failed");
    }
  }

  /**
   * The first non-null {@code check} of the node's output, read again on each write to the directory of its log
   * (inotify, through a {@link WatchService}), for up to {@code timeout}; fails naming {@code what}.
   */
  <T> T awaitOutput(String what, Function<String, T> check, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    try (WatchService writes = log.getFileSystem().newWatchService()) {
      log.getParent().register(writes, StandardWatchEventKinds.ENTRY_MODIFY);
      while (true) {
        T found = check.apply(output()); // after registering: no write is missed between the two
        if (found != null) {
          return found;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError("the node's output did not show " + what + " within " + timeout + ":\n" + output());
        }
        WatchKey key = writes.poll(left, TimeUnit.NANOSECONDS);
        if (key != null) {
          key.pollEvents();
          key.reset();
        }
      }
    }
  }

  /**
   * Waits (at most {@code timeout}) until this node, the cluster's oldest, logs that the partition migrations over
   * {@code members} members are done: right after a member joins, Hazelcast moves partitions to it, and a map call
   * on a moving partition waits for the move (on a loaded machine a first join then outlasted
   * {@code requestTimeoutMs}, 5 s, and got {@code unavailable}).
   */
  void awaitMigrationsDone(int members, Duration timeout) throws Exception {
    Pattern done = Pattern.compile("partition migrations finished over " + members + " members: \\d+ of \\d+ done, 0 remaining");
    awaitOutput("the partition migrations over " + members + " members finished",
      text -> done.matcher(text).find() ? Boolean.TRUE : null, timeout);
  }

  /** The node's cluster id, as it logged when it started ({@code null} when not clustered). */
  String nodeId() {
    return nodeId;
  }

  /** Cluster members the node counted when it started. */
  int membersAtStart() {
    return members;
  }

  String output() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no output: " + e + ")";
    }
  }

  /** Whether the process still runs (not killed nor stopped). */
  boolean alive() {
    return process.isAlive();
  }

  long pid() {
    return process.pid();
  }

  /** {@code kill -9}: no clean-up at all. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** SIGTERM: the node's graceful stop; returns its exit code. */
  int terminate() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
    return process.exitValue();
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      kill();
    }
  }
}
