package io.signalhub.launcher;

import com.hazelcast.config.Config;
import com.hazelcast.config.XmlConfigBuilder;
import io.signalhub.verticles.HubOptions;
import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Loads a node's settings with vertx-config, each layer overriding the one before: the defaults of
 * {@code config/hub.json} (built into the jar as {@code signalhub/hub.json}), a JSON file
 * ({@code --config}), environment variables ({@code HUB_} and the key in upper snake case, e.g.
 * {@code HUB_ROOM_CAPACITY}), and command-line flags. Also loads the Hazelcast configuration
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
   * The settings: defaults, then {@code file} (if not {@code null}), then the {@code HUB_*} environment,
   * then {@code flags}.
   *
   * @return fails with {@link IllegalArgumentException} naming the file, variable or setting that is
   *     unreadable or invalid
   */
  public static Future<HubOptions> load(Vertx vertx, Path file, JsonObject flags) {
    JsonArray envKeys = new JsonArray();
    HubOptions.SETTINGS.forEach(s -> envKeys.add(s.envName()));
    ConfigRetrieverOptions layers = new ConfigRetrieverOptions().setScanPeriod(0)
      .addStore(new ConfigStoreOptions().setType("json").setConfig(defaults()));
    if (file != null) {
      if (!Files.isReadable(file)) {
        return Future.failedFuture(new IllegalArgumentException("cannot read config file " + file));
      }
      layers.addStore(new ConfigStoreOptions().setType("file").setFormat("json")
        .setConfig(new JsonObject().put("path", file.toAbsolutePath().toString())));
    }
    layers.addStore(new ConfigStoreOptions().setType("env")
      .setConfig(new JsonObject().put("keys", envKeys).put("raw-data", true)));
    ConfigRetriever retriever = ConfigRetriever.create(vertx, layers);
    return retriever.getConfig()
      .recover(t -> Future.failedFuture(new IllegalArgumentException(
        (file != null ? "config file " + file + ": " : "") + t.getMessage(), t)))
      .compose(json -> {
        retriever.close();
        try {
          return Future.succeededFuture(new HubOptions(fromEnv(json).mergeIn(flags)));
        } catch (IllegalArgumentException e) {
          return Future.failedFuture(e);
        }
      });
  }

  /** Replaces each {@code HUB_*} entry by its setting, converted to the type of the setting's default. */
  private static JsonObject fromEnv(JsonObject merged) {
    JsonObject defaults = new HubOptions().toJson();
    JsonObject out = merged.copy();
    for (HubOptions.Setting setting : HubOptions.SETTINGS) {
      Object raw = out.remove(setting.envName());
      if (raw == null) {
        continue;
      }
      String text = raw.toString().trim();
      Object def = defaults.getValue(setting.key());
      try {
        Object value = def instanceof Integer ? Integer.valueOf(text)
          : def instanceof Long ? Long.valueOf(text)
          : def instanceof Boolean ? parseBoolean(text)
          : text;
        out.put(setting.key(), value);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("invalid hub setting '" + setting.key() + "' from " + setting.envName()
          + ": '" + text + "' is not a " + def.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT));
      }
    }
    return out;
  }

  private static Boolean parseBoolean(String text) {
    if (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false")) {
      return Boolean.valueOf(text);
    }
    throw new IllegalArgumentException(text);
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
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read built-in resource " + name, e);
    }
  }
}
