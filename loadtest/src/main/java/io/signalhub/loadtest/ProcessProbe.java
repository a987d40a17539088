package io.signalhub.loadtest;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a server process from outside: its CPU time from {@code /proc/<pid>/stat} (user + system, all
 * threads, in clock ticks of 10 ms), and, for a JVM, its heap in use right after a full GC
 * ({@code jcmd <pid> GC.run}, then {@code GC.heap_info}).
 */
final class ProcessProbe {

  private static final Pattern USED = Pattern.compile("used (\\d+)K");
  private final long pid;

  ProcessProbe(long pid) {
    this.pid = pid;
  }

  long pid() {
    return pid;
  }

  /** CPU time (user + system) the process has used, in ns ({@link ProcessHandle.Info#totalCpuDuration()}); 0 when unknown. */
  long cpuNanos() {
    return ProcessHandle.of(pid).flatMap(h -> h.info().totalCpuDuration()).map(Duration::toNanos).orElse(0L);
  }

  /** CPU time of this JVM, in ns. */
  static long selfCpuNanos() {
    java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      return sun.getProcessCpuTime();
    }
    return 0;
  }

  /** Whether the process is a JVM (its command line names java). */
  boolean isJava() {
    try {
      String cmd = new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")), StandardCharsets.UTF_8);
      return cmd.contains("java");
    } catch (IOException e) {
      return false;
    }
  }

  /** Runs a full GC in a JVM server (nothing for another process). */
  void gc() {
    if (isJava()) {
      jcmd("GC.run");
    }
  }

  /** Heap in use after a full GC, in bytes, or {@code null} for a process that is not a JVM. */
  Long heapUsedAfterGc() {
    if (!isJava()) {
      return null;
    }
    jcmd("GC.run");
    String info = jcmd("GC.heap_info");
    if (info == null) {
      return null;
    }
    // one line per heap or generation at the top level (" garbage-first heap ...", " def new generation ...",
    // " tenured generation ..."); indented lines are their parts; Metaspace is not heap
    long used = 0;
    boolean found = false;
    for (String line : info.split("\n")) {
      if (line.startsWith(" ") && !line.startsWith("  ") && !line.contains("Metaspace") && !line.contains("class space")) {
        Matcher m = USED.matcher(line);
        if (m.find()) {
          used += Long.parseLong(m.group(1)) * 1024;
          found = true;
        }
      }
    }
    return found ? used : null;
  }

  private String jcmd(String command) {
    try {
      Process p = new ProcessBuilder("jcmd", Long.toString(pid), command).redirectErrorStream(true).start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroy();
        return null;
      }
      return new String(out, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }
}
