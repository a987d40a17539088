package io.signalhub.loadtest.chaos;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One hub node of a chaos run: a child JVM started from the server's runnable jar, restarted on the same HTTP
 * port after each kill or stop. Its output goes to a log file per start ({@code node<i>-<start>.log}).
 * Not thread-safe: the chaos run drives it from one thread.
 */
final class HubNode {

  private static final Pattern LISTENING = Pattern.compile("signalhub listening on http://\\S+:(\\d+)/");
  private static final Pattern MEMBERS = Pattern.compile("clustered as node (\\S+), (\\d+) node\\(s\\) in the cluster");

  final int index;
  /** Where clients reach it: {@code host:port}. */
  final String address;
  private final List<String> command;
  private final Path logs;
  private Process process;
  private Path log;
  private int starts;
  private int members;

  /**
   * @param index   its number (0, 1, ...)
   * @param address {@code host:port} of its WebSocket server as clients reach it
   * @param command the whole command line that starts it (the same on every restart)
   * @param logs    directory of its log files
   */
  HubNode(int index, String address, List<String> command, Path logs) {
    this.index = index;
    this.address = address;
    this.command = List.copyOf(command);
    this.logs = logs;
  }

  /** Starts the JVM (not waiting for it to listen). */
  void start() throws IOException {
    starts++;
    log = logs.resolve("node" + index + "-" + starts + ".log");
    process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    members = 0;
  }

  /**
   * Waits, on Vert.x timers (every 100 ms), until the node's log says it listens; fails if it exits first or does
   * not listen within {@code timeoutMs}.
   *
   * @return the cluster members it counted when it started
   */
  int awaitListening(Vertx vertx, long timeoutMs) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    long offset = 0;
    StringBuilder partial = new StringBuilder();
    while (true) {
      try (RandomAccessFile in = new RandomAccessFile(log.toFile(), "r")) {
        if (in.length() > offset) {
          in.seek(offset);
          byte[] bytes = new byte[(int) (in.length() - offset)];
          in.readFully(bytes);
          offset += bytes.length;
          partial.append(new String(bytes, StandardCharsets.UTF_8));
          int nl;
          while ((nl = partial.indexOf("\n")) >= 0) {
            String line = partial.substring(0, nl);
            partial.delete(0, nl + 1);
            Matcher m = MEMBERS.matcher(line);
            if (m.find()) {
              members = Integer.parseInt(m.group(2));
            }
            if (LISTENING.matcher(line).find()) {
              return members;
            }
          }
        }
      }
      if (!process.isAlive()) {
        throw new IllegalStateException("node " + index + " exited with " + process.exitValue() + " before it listened; "
          + "its log " + log + " ends with:\n" + tail(20));
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("node " + index + " did not listen within " + timeoutMs + " ms; its log " + log
          + " ends with:\n" + tail(20));
      }
      delay(vertx, 100);
    }
  }

  /** Waits {@code ms} on a Vert.x timer. */
  static void delay(Vertx vertx, long ms) {
    Promise<Void> p = Promise.promise();
    vertx.setTimer(Math.max(1, ms), t -> p.complete());
    p.future().await();
  }

  /** The last {@code lines} lines of the current log. */
  String tail(int lines) {
    try {
      List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  long pid() {
    return process.pid();
  }

  boolean alive() {
    return process != null && process.isAlive();
  }

  /** {@code kill -9}, then waits (up to 30 s) for the exit. */
  void kill() throws InterruptedException {
    if (process != null && process.isAlive()) {
      signal("CONT"); // a stopped process dies of SIGKILL too, but let nothing stay stopped
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }
  }

  /** SIGTERM (the node's graceful stop); waits up to {@code timeoutMs} for the exit, then kills it. Its exit code, or -1 if killed. */
  int terminate(long timeoutMs) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(timeoutMs, TimeUnit.MILLISECONDS)) {
      kill();
      return -1;
    }
    return process.exitValue();
  }

  /** Sends {@code SIG<name>} (STOP, CONT) to the node's JVM with {@code kill}. */
  void signal(String name) throws InterruptedException {
    try {
      Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).redirectErrorStream(true).start();
      kill.waitFor(10, TimeUnit.SECONDS);
    } catch (IOException e) {
      throw new IllegalStateException("kill -" + name + " " + process.pid() + ": " + e.getMessage(), e);
    }
  }

  /** Every log file of this node so far. */
  List<Path> logFiles() {
    List<Path> files = new ArrayList<>();
    for (int i = 1; i <= starts; i++) {
      files.add(logs.resolve("node" + index + "-" + i + ".log"));
    }
    return files;
  }
}
