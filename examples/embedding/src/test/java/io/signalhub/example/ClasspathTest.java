package io.signalhub.example;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What an application that depends on {@code io.signalhub:signalhub-hub} (and nothing else of the project)
 * gets, read from the classpath Maven resolved for this project: the security floors the project pins for
 * itself (Netty 4.2.15+, vertx-core 5.0.12+, Hazelcast 5.7.0+) and no logging backend, CLI parser,
 * histogram library or load-test code. The enforcer rule of this project's pom bans those artifacts from the
 * whole dependency graph; this test checks the versions that won.
 */
class ClasspathTest {

  /** A jar of the local Maven repository: {@code .../<artifactId>/<version>/<artifactId>-<version>.jar}. */
  private record Jar(String artifactId, String version) {
  }

  private static List<Jar> jars() {
    List<Jar> jars = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      Path p = Path.of(entry);
      if (!entry.endsWith(".jar") || p.getParent() == null || p.getParent().getParent() == null) {
        continue;
      }
      String version = p.getParent().getFileName().toString();
      String artifactId = p.getParent().getParent().getFileName().toString();
      if (p.getFileName().toString().startsWith(artifactId + "-" + version)) {
        jars.add(new Jar(artifactId, version));
      }
    }
    return jars;
  }

  /** Compares dotted numeric versions ({@code 4.2.20.Final} against {@code 4.2.15}): the numeric parts only. */
  private static boolean atLeast(String version, String floor) {
    Matcher m = Pattern.compile("^(\\d+)\\.(\\d+)\\.(\\d+)").matcher(version);
    assertTrue(m.find(), "not a version: " + version);
    String[] f = floor.split("\\.");
    for (int i = 0; i < 3; i++) {
      int a = Integer.parseInt(m.group(i + 1));
      int b = Integer.parseInt(f[i]);
      if (a != b) {
        return a > b;
      }
    }
    return true;
  }

  @Test
  void netty415VertxCore5012AndHazelcast570OrNewerResolve() {
    List<Jar> jars = jars();
    long netty = jars.stream().filter(j -> j.artifactId().startsWith("netty-")).count();
    assertTrue(netty >= 9, "Netty comes with the hub: " + jars);
    for (Jar j : jars) {
      if (j.artifactId().startsWith("netty-")) {
        assertTrue(atLeast(j.version(), "4.2.15"), j + ": Netty before 4.2.15 has known CVEs");
      }
    }
    assertEquals(1, jars.stream().filter(j -> j.artifactId().equals("vertx-core") && atLeast(j.version(), "5.0.12")).count(),
      "vertx-core 5.0.12+: " + jars);
    assertEquals(1, jars.stream().filter(j -> j.artifactId().equals("hazelcast") && atLeast(j.version(), "5.7.0")).count(),
      "Hazelcast 5.7.0+: " + jars);
  }

  @Test
  void noLoggingBackendCliParserHistogramLibraryOrLoadTool() {
    for (Jar j : jars()) {
      assertFalse(j.artifactId().startsWith("logback-") || j.artifactId().equals("log4j-core")
        || j.artifactId().equals("slf4j-simple") || j.artifactId().equals("picocli") || j.artifactId().equals("HdrHistogram")
        || j.artifactId().equals("signalhub-server") || j.artifactId().equals("signalhub-loadtest"), j + " on an embedder's classpath");
    }
    assertTrue(jars().stream().anyMatch(j -> j.artifactId().equals("signalhub-hub")), "the hub itself resolves");
  }
}
