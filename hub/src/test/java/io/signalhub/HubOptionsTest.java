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
    HubOptions options = HubConfig.load(file, new JsonObject().put("port", 9001));
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
}
