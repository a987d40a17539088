package io.signalhub;

import io.signalhub.launcher.HubConfig;
import io.signalhub.verticles.HubOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code config/hub.json} and {@link HubOptions} agree, and bad settings are named. */
class HubOptionsTest {

  @Test
  void hubJsonHoldsEveryDefault() {
    assertEquals(new HubOptions().toJson(), HubConfig.defaults());
  }

  @Test
  void aFileAndFlagsOverrideTheDefaults(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    Path file = dir.resolve("node.json");
    Files.writeString(file, "{\"port\": 9000, \"roomCapacity\": 4}");
    io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
    HubOptions options;
    try {
      options = HubConfig.load(vertx, file, new JsonObject().put("port", 9001)).await(10, java.util.concurrent.TimeUnit.SECONDS);
    } finally {
      vertx.close();
    }
    assertEquals(9001, options.getPort());
    assertEquals(4, options.getRoomCapacity());
    assertEquals(HubOptions.DEFAULT_WS_PATH, options.getWsPath());
  }

  @Test
  void anInvalidSettingIsRefusedWithItsName() {
    IllegalArgumentException range = assertThrows(IllegalArgumentException.class,
      () -> new HubOptions(new JsonObject().put("roomCapacity", 0)));
    assertTrue(range.getMessage().contains("roomCapacity"), range.getMessage());
    IllegalArgumentException type = assertThrows(IllegalArgumentException.class,
      () -> new HubOptions(new JsonObject().put("idleTimeoutMs", 10).put("pingIntervalMs", 100)));
    assertTrue(type.getMessage().contains("idleTimeoutMs"), type.getMessage());
  }

  @Test
  void everySettingIsDescribedAndListedByHelp() {
    java.util.Set<String> described = new java.util.LinkedHashSet<>();
    HubOptions.SETTINGS.forEach(setting -> described.add(setting.key()));
    assertEquals(new HubOptions().toJson().fieldNames(), described);
    java.io.StringWriter help = new java.io.StringWriter();
    io.signalhub.launcher.HubMainAccess.commandLine().setOut(new java.io.PrintWriter(help)).execute("--help");
    for (HubOptions.Setting setting : HubOptions.SETTINGS) {
      assertTrue(help.toString().contains(setting.key()) && help.toString().contains(setting.envName()), setting.key());
    }
    assertEquals("HUB_ROOM_CAPACITY", HubOptions.SETTINGS.get(3).envName());
  }

  @Test
  void aBadEnvironmentValueStopsTheNodeAtStartWithItsName() throws Exception {
    for (String[] bad : new String[][]{{"HUB_ROOM_CAPACITY", "0", "roomCapacity"}, {"HUB_HOLD_MS", "soon", "holdMs"}}) {
      ProcessBuilder pb = new ProcessBuilder(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), "io.signalhub.launcher.HubMain", "--no-cluster", "--port", "0")
        .redirectErrorStream(true);
      pb.environment().put(bad[0], bad[1]);
      Process p = pb.start();
      assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "the node stops by itself");
      String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertEquals(2, p.exitValue(), out);
      assertTrue(out.contains("invalid hub setting '" + bad[2] + "'"), out);
    }
  }

  @Test
  void theKubernetesClusterConfigIsAValidHazelcastConfig() {
    com.hazelcast.config.Config k8s = HubConfig.clusterConfig(new HubOptions().setClusterConfig("../config/cluster-kubernetes.xml"));
    assertTrue(k8s.getNetworkConfig().getJoin().getKubernetesConfig().isEnabled());
    assertEquals(HubConfig.clusterConfig(new HubOptions()).getMapConfigs().keySet(), k8s.getMapConfigs().keySet(),
      "the same maps as config/cluster.xml");
  }
}
