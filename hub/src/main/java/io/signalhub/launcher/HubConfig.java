package io.signalhub.launcher;

import com.hazelcast.config.Config;
import com.hazelcast.config.XmlConfigBuilder;
import io.signalhub.verticles.HubOptions;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Loads a node's settings: the defaults of {@code config/hub.json} (built into the jar as
 * {@code signalhub/hub.json}), then a JSON file, then command-line flags; and its Hazelcast configuration
 * ({@code config/cluster.xml}, built in as {@code signalhub/cluster.xml}, or a file).
 */
public final class HubConfig {

  /** Class-path location of the built-in defaults. */
  public static final String DEFAULTS_RESOURCE = "signalhub/hub.json";
  /** Class-path location of the built-in Hazelcast configuration. */
  public static final String CLUSTER_RESOURCE = "signalhub/cluster.xml";

  private HubConfig() {
  }

  /** The built-in defaults, {@code config/hub.json}. */
  public static JsonObject defaults() {
    return new JsonObject(readResource(DEFAULTS_RESOURCE));
  }

  /**
   * The defaults overridden by {@code file} (if not {@code null}) and then by {@code overrides}.
   *
   * @throws IllegalArgumentException naming the file or setting when one is unreadable or invalid
   */
  public static HubOptions load(Path file, JsonObject overrides) {
    JsonObject json = defaults();
    if (file != null) {
      try {
        json.mergeIn(new JsonObject(Files.readString(file)));
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read config file " + file + ": " + e.getMessage(), e);
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("config file " + file + " is not a JSON object: " + e.getMessage(), e);
      }
    }
    json.mergeIn(overrides);
    return new HubOptions(json);
  }

  /** The Hazelcast configuration named by {@link HubOptions#getClusterConfig()}, or the built-in one. */
  public static Config clusterConfig(HubOptions options) {
    String path = options.getClusterConfig();
    try (InputStream in = path.isEmpty() ? resource(CLUSTER_RESOURCE) : Files.newInputStream(Path.of(path))) {
      return new XmlConfigBuilder(in).build();
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read clusterConfig " + path + ": " + e.getMessage(), e);
    }
  }

  private static InputStream resource(String name) {
    InputStream in = HubConfig.class.getClassLoader().getResourceAsStream(name);
    if (in == null) {
      throw new IllegalStateException("missing built-in resource " + name);
    }
    return in;
  }

  private static String readResource(String name) {
    try (InputStream in = resource(name)) {
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read built-in resource " + name, e);
    }
  }
}
