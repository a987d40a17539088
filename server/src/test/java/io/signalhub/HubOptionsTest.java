package io.signalhub;

import io.signalhub.launcher.ClusterOptions;
import io.signalhub.launcher.HubConfig;
import io.signalhub.verticles.HubOptions;
import io.signalhub.verticles.Setting;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code config/hub.json}, the settings table of {@code docs/configuration.md} and {@code --help} all come from
 * the {@link Setting} constants of {@link HubServerOptions}, {@link HubOptions} and {@link ClusterOptions}, and
 * bad settings are named.
 */
class HubOptionsTest {

  private static final String TABLE_START = "| key | default | unit | meaning |";
  private static final String TABLE_END = "<!-- end of settings table -->";

  @Test
  void hubJsonHoldsEveryDefault() throws Exception {
    assertEquals(new HubConfig().toJson(), HubConfig.defaults());
    assertEquals(HubConfig.defaultsText(), Files.readString(Path.of("../config/hub.json")),
      "config/hub.json differs from the settings; regenerate it with HubMain --print-settings json");
  }

  @Test
  void theDocsTableIsTheGeneratedOne() throws Exception {
    String doc = Files.readString(Path.of("../docs/configuration.md"));
    int start = doc.indexOf(TABLE_START);
    int end = doc.indexOf(TABLE_END);
    assertTrue(start >= 0 && end > start, "docs/configuration.md has the settings table, ending with " + TABLE_END);
    String expected = HubConfig.markdownTable();
    assertEquals(expected, doc.substring(start, end),
      "docs/configuration.md's settings table differs from the settings (HubMain --print-settings markdown); "
        + "replace it with:\n" + expected);
  }

  @Test
  void eachClassReadsItsOwnKeysOfTheOneFlatFile() {
    List<String> keys = new ArrayList<>();
    HubConfig.SETTINGS.forEach(s -> keys.add(s.key()));
    assertEquals(new ArrayList<>(HubConfig.defaults().fieldNames()), keys, "config/hub.json lists every setting in order");
    assertEquals(keys.size(), keys.stream().distinct().count(), "no key in two tables");
    HubConfig config = HubConfig.of(new JsonObject().put("port", 9000).put("roomCapacity", 4).put("clustered", false));
    assertEquals(9000, config.server().getPort());
    assertEquals(4, config.hub().getRoomCapacity());
    assertFalse(config.cluster().isClustered());
    assertFalse(new HubOptions().toJson().containsKey("port"), "the library's options have no server or cluster keys");
    assertFalse(new HubOptions().toJson().containsKey("clustered"));
    IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
      () -> HubConfig.of(new JsonObject().put("turnTtlSeconds", 60)));
    assertTrue(unknown.getMessage().contains("unknown setting 'turnTtlSeconds'"), unknown.getMessage());
  }

  @Test
  void unitsAreInTheNames() {
    for (Setting<?> s : HubConfig.SETTINGS) {
      if (s.unit().equals("ms")) {
        assertTrue(s.key().endsWith("Ms"), s.key());
      }
      if (s.unit().equals("bytes")) {
        assertTrue(s.key().endsWith("Bytes"), s.key());
      }
      assertFalse(s.key().endsWith("Seconds"), s.key() + ": durations are in ms");
      assertFalse(s.description().isBlank(), s.key());
    }
  }

  @Test
  void aFileAndFlagsOverrideTheDefaults(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    Path file = dir.resolve("node.json");
    Files.writeString(file, "{\"port\": 9000, \"roomCapacity\": 4}");
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    HubConfig options;
    try {
      options = HubConfig.load(vertx, file, new JsonObject().put("port", 9001)).await(10, java.util.concurrent.TimeUnit.SECONDS);
    } finally {
      vertx.close();
    }
    assertEquals(9001, options.server().getPort());
    assertEquals(4, options.hub().getRoomCapacity());
    assertEquals(HubOptions.WS_PATH.defaultValue(), options.hub().getWsPath());
  }

  @Test
  void anInvalidSettingIsRefusedWithItsName() {
    IllegalArgumentException range = assertThrows(IllegalArgumentException.class,
      () -> new HubOptions(new JsonObject().put("roomCapacity", 0)));
    assertEquals("invalid hub setting 'roomCapacity': must be >= 1", range.getMessage());
    IllegalArgumentException cross = assertThrows(IllegalArgumentException.class,
      () -> new HubOptions(new JsonObject().put("idleTimeoutMs", 10).put("pingIntervalMs", 100)));
    assertTrue(cross.getMessage().contains("idleTimeoutMs"), cross.getMessage());
    IllegalArgumentException type = assertThrows(IllegalArgumentException.class,
      () -> new HubOptions(new JsonObject().put("holdMs", "soon")));
    assertTrue(type.getMessage().contains("'holdMs': wrong JSON type"), type.getMessage());
    IllegalArgumentException ttl = assertThrows(IllegalArgumentException.class,
      () -> new HubOptions().setTurnTtlMs(59_999).validate());
    assertTrue(ttl.getMessage().contains("turnTtlMs"), ttl.getMessage());
    IllegalArgumentException port = assertThrows(IllegalArgumentException.class,
      () -> new HubServerOptions(new JsonObject().put("port", 70000)));
    assertTrue(port.getMessage().contains("'port'"), port.getMessage());
    IllegalArgumentException nul = assertThrows(IllegalArgumentException.class,
      () -> new HubOptions().setJwtSecret(null).validate());
    assertTrue(nul.getMessage().contains("'jwtSecret': must be a string"), nul.getMessage());
  }

  @Test
  void settersAndJsonAgreeAndSecretsAreMasked() {
    HubOptions options = new HubOptions().setRoomCapacity(8).setHoldMs(0).setJwtSecret("x".repeat(32));
    HubOptions copy = new HubOptions(options.toJson());
    assertEquals(8, copy.getRoomCapacity());
    assertEquals(0, copy.getHoldMs());
    assertEquals(options.toJson(), copy.toJson());
    assertTrue(options.toString().contains("\"jwtSecret\":\"***\""), options.toString());
    assertEquals(86_400_000L, new HubOptions().getTurnTtlMs());
  }

  @Test
  void everySettingIsListedByHelpWithItsDefaultAndUnit() {
    java.io.StringWriter help = new java.io.StringWriter();
    io.signalhub.launcher.HubMainAccess.commandLine().setOut(new java.io.PrintWriter(help)).execute("--help");
    for (Setting<?> setting : HubConfig.SETTINGS) {
      String line = help.toString().lines().filter(l -> l.startsWith("  " + setting.key() + " ")).findFirst().orElse("");
      assertTrue(line.contains(setting.envName()), setting.key() + " in --help: " + help);
      String shown = setting.shownDefault() + (setting.unit().isEmpty() ? "" : " " + setting.unit());
      assertTrue(line.contains(shown), setting.key() + " shows " + shown + ": " + line);
    }
    assertEquals("HUB_ROOM_CAPACITY", HubOptions.ROOM_CAPACITY.envName());
    assertEquals("HUB_TURN_TTL_MS", HubOptions.TURN_TTL_MS.envName());
  }

  @Test
  void aBadEnvironmentValueStopsTheNodeAtStartWithItsName() throws Exception {
    for (String[] bad : new String[][]{{"HUB_ROOM_CAPACITY", "0", "roomCapacity"}, {"HUB_HOLD_MS", "soon", "holdMs"},
      {"HUB_PORT", "http", "port"}}) {
      ProcessBuilder pb = launcher("--no-cluster", "--port", "0");
      pb.environment().put(bad[0], bad[1]);
      Process p = pb.start();
      assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "the node stops by itself");
      String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertEquals(2, p.exitValue(), out);
      assertTrue(out.contains("invalid hub setting '" + bad[2] + "'"), out);
    }
  }

  /** A node that would refuse every client (anonymous off, no JWT key) does not start: it names the settings. */
  @Test
  void aNodeThatCouldAdmitNoClientRefusesToStartNamingTheSettings() throws Exception {
    Process p = launcher("--no-cluster", "--port", "0").start();
    assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "the node stops by itself");
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertEquals(2, p.exitValue(), out);
    assertTrue(out.contains("jwtSecret") && out.contains("jwtPublicKey") && out.contains("anonymous=true"), out);
  }

  /** A port another process holds stops the node with a message that names the port and the setting. */
  @Test
  void aBusyPortIsNamed() throws Exception {
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 50, java.net.InetAddress.getByName("127.0.0.1"))) {
      Process p = launcher("--no-cluster", "--port", String.valueOf(taken.getLocalPort()), "--set", "anonymous=true").start();
      assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "the node stops by itself");
      String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertEquals(1, p.exitValue(), out);
      assertTrue(out.contains("port " + taken.getLocalPort() + " on 127.0.0.1 is already in use"), out);
    }
  }

  /** The launcher in a JVM of its own, with this test's classpath, its output and errors merged. */
  private static ProcessBuilder launcher(String... args) {
    java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of(
      java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(),
      "-cp", System.getProperty("java.class.path"), "io.signalhub.launcher.HubMain"));
    command.addAll(java.util.List.of(args));
    return new ProcessBuilder(command).redirectErrorStream(true);
  }

  @Test
  void theKubernetesClusterConfigIsAValidHazelcastConfig() {
    com.hazelcast.config.Config k8s = HubConfig.clusterConfig(new ClusterOptions().setClusterConfig("../config/cluster-kubernetes.xml"));
    assertTrue(k8s.getNetworkConfig().getJoin().getKubernetesConfig().isEnabled());
    assertEquals(HubConfig.clusterConfig(new ClusterOptions()).getMapConfigs().keySet(), k8s.getMapConfigs().keySet(),
      "the same maps as config/cluster.xml");
  }
}
