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
 * threads, in clock ticks of 10 ms), and, for a JVM, the bytes of its live objects ({@code jcmd <pid>
 * GC.class_histogram}, which runs a full GC first: its {@code Total} line). Not {@code GC.heap_info}'s "used" after
 * a GC: that also counts each thread's fresh allocation buffer (TLAB), hundreds of KB per thread, which made a
 * process with Hazelcast's hundred threads look far bigger per connection than its objects are
 * (shared/BENCHMARKING.md).
 */
final class ProcessProbe {

  /** The histogram's last line: {@code Total <instances> <bytes>}. */
  private static final Pattern TOTAL = Pattern.compile("(?m)^Total\\s+\\d+\\s+(\\d+)\\s*$");
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

  /** Bytes of live objects after a full GC, or {@code null} for a process that is not a JVM. */
  Long liveHeapBytes() {
    if (!isJava()) {
      return null;
    }
    String histogram = jcmd("GC.class_histogram");
    Matcher m = histogram == null ? null : TOTAL.matcher(histogram);
    return m != null && m.find() ? Long.parseLong(m.group(1)) : null;
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
