package io.signalhub;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Hosts of this machine for fault tests, over {@code scripts/netns}: {@code n} network namespaces whose
 * <em>cluster links</em> join one bridge (host i at {@code 10.B.0.i}), each with a <em>client link</em> to this JVM's
 * namespace (host i at {@code 10.B.i.2}), so that clients here reach every host whatever happens to the cluster
 * links. {@link #cut(int)} takes host i's cluster link down (a partition: frames dropped silently both ways),
 * {@link #heal(int)} brings it back. The constructor creates the hosts, {@link #close()} removes them (and kills
 * whatever still runs in them); names are unique per instance ({@code sh<random>}).
 */
final class NetHosts implements AutoCloseable {

  /** The topology script, found from the working directory (the module's, under Maven) upwards. */
  static final Path SCRIPT = findScript();
  private static final Pattern HOST = Pattern.compile("host (\\d+) (\\S+) (\\S+)");
  private static final long SCRIPT_TIMEOUT_MS = 60_000;

  private final String name;
  private final List<String> clusterAddresses = new ArrayList<>();
  private final List<String> clientAddresses = new ArrayList<>();

  /** Creates {@code n} hosts (1-99) and their bridge. */
  NetHosts(int n) throws Exception {
    name = "sh" + UUID.randomUUID().toString().replace("-", "").substring(0, 9);
    String out;
    try {
      out = run("up", name, String.valueOf(n));
    } catch (Exception | AssertionError e) {
      try {
        close();
      } catch (Exception | AssertionError also) {
        e.addSuppressed(also);
      }
      throw e;
    }
    Matcher m = HOST.matcher(out);
    while (m.find()) {
      clusterAddresses.add(m.group(2));
      clientAddresses.add(m.group(3));
    }
    if (clusterAddresses.size() != n) {
      close();
      throw new AssertionError("scripts/netns up " + name + " " + n + " printed:\n" + out);
    }
  }

  /**
   * Skips the calling test (JUnit assumption) when network namespaces cannot be made here: not root, no
   * {@code ip netns}; with {@code CI=true} it fails instead, since CI runs as root with iproute2.
   */
  static void assumeAvailable() {
    String missing = null;
    if (!"root".equals(System.getProperty("user.name"))) {
      missing = "root (network namespaces)";
    } else if (SCRIPT == null) {
      missing = "scripts/netns (not found from " + Path.of("").toAbsolutePath() + ")";
    } else {
      try {
        Process p = new ProcessBuilder("ip", "netns", "list").redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
          missing = "a working 'ip netns' (iproute2)";
        }
      } catch (IOException | InterruptedException e) {
        missing = "'ip' (iproute2): " + e.getMessage();
      }
    }
    if (missing == null) {
      return;
    }
    String message = "MISSING PREREQUISITE for the network fault tests: " + missing + " (./scripts/test runs them as root)";
    if ("true".equals(System.getenv("CI"))) {
      fail(message);
    }
    System.err.println("\n*** SKIPPED: " + message + " ***\n");
    Assumptions.abort(message);
  }

  /** The hosts' names are {@code <name>-1 .. <name>-n}. */
  String name() {
    return name;
  }

  int size() {
    return clusterAddresses.size();
  }

  /** Host i's (1-based) address on the bridge, for Hazelcast and the event bus. */
  String clusterAddress(int i) {
    return clusterAddresses.get(i - 1);
  }

  /** Host i's (1-based) address on its client link, which this JVM connects to. */
  String clientAddress(int i) {
    return clientAddresses.get(i - 1);
  }

  /** The hosts' cluster network as a Hazelcast {@code <interface>} pattern: {@code 10.B.0.*}. */
  String clusterInterfaces() {
    String first = clusterAddress(1);
    return first.substring(0, first.lastIndexOf('.')) + ".*";
  }

  /** Host i's cluster link down: it no longer reaches the other hosts, nor they it (its clients still reach it). */
  void cut(int i) throws Exception {
    run("cut", name, String.valueOf(i));
  }

  /** Host i's cluster link up again. */
  void heal(int i) throws Exception {
    run("heal", name, String.valueOf(i));
  }

  /**
   * The command line that runs {@code command} in host i: a process started with it is, once started, that
   * command's own process (the script and {@code ip netns exec} replace themselves with it), so its PID is the
   * command's.
   */
  List<String> exec(int i, List<String> command) {
    List<String> line = new ArrayList<>(List.of(SCRIPT.toString(), "exec", name, String.valueOf(i)));
    line.addAll(command);
    return line;
  }

  /** Removes every namespace and link of these hosts, killing what still runs in them; never fails. */
  @Override
  public void close() throws Exception {
    run("down", name);
  }

  private static String run(String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(SCRIPT.toString());
    command.addAll(List.of(args));
    Path out = Files.createTempFile("netns-", ".out");
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
      if (!p.waitFor(SCRIPT_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(String.join(" ", command) + " did not end in " + SCRIPT_TIMEOUT_MS + " ms");
      }
      String text = Files.readString(out, StandardCharsets.UTF_8);
      if (p.exitValue() != 0) {
        throw new AssertionError(String.join(" ", command) + " exited with " + p.exitValue() + ":\n" + text);
      }
      return text;
    } finally {
      Files.deleteIfExists(out);
    }
  }

  private static Path findScript() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path script = dir.resolve("scripts/netns");
      if (Files.isExecutable(script)) {
        return script;
      }
    }
    return null;
  }
}
