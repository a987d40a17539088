package io.signalhub;

import io.signalhub.launcher.HubConfig;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A hub node in a JVM of its own (the standalone launcher, {@code HubMain}), on loopback, in a cluster
 * with a random name and port range. Its output goes to a file (a pipe would lose what the node writes
 * while it exits: the JDK closes a dead child's pipe under its reader), which is kept for failure messages.
 */
final class NodeProcess implements AutoCloseable {

  private static final Pattern LISTENING = Pattern.compile("signalhub listening on http://127\\.0\\.0\\.1:(\\d+)/");
  private static final Pattern MEMBERS = Pattern.compile("clustered, (\\d+) node\\(s\\) in the cluster");

  private final Process process;
  private final Path log;
  private final CompletableFuture<Integer> listening = new CompletableFuture<>();
  private volatile int members;

  private NodeProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
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

  /** Starts a node and waits (up to 60 s) until it listens. */
  static NodeProcess start(Path clusterConfig, String... settings) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of("-Xmx256m", "-XX:+UseSerialGC", "-Djava.net.preferIPv4Stack=true",
      "--add-opens", "java.base/java.lang=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
      "-cp", System.getProperty("java.class.path"), "io.signalhub.launcher.HubMain",
      "--port", String.valueOf(freePort()), "--cluster-config", clusterConfig.toString(), "--set", "anonymous=true"));
    for (String setting : settings) {
      command.addAll(List.of("--set", setting));
    }
    Path log = Files.createTempFile(clusterConfig.getParent(), "node-", ".log");
    NodeProcess node = new NodeProcess(new ProcessBuilder(command).redirectErrorStream(true)
      .redirectOutput(log.toFile()).start(), log);
    try {
      node.listening.get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      node.close();
      throw new AssertionError("node did not start:\n" + node.output(), e);
    }
    return node;
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
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
      members = Integer.parseInt(m.group(1));
    }
    Matcher l = LISTENING.matcher(line);
    if (l.find()) {
      listening.complete(Integer.parseInt(l.group(1)));
    }
  }

  int port() {
    return listening.join();
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
