package io.signalhub.launcher;

import com.hazelcast.config.Config;
import com.hazelcast.config.XmlConfigBuilder;
import io.signalhub.HubServerOptions;
import io.signalhub.verticles.HubOptions;
import io.signalhub.verticles.Setting;
import io.signalhub.verticles.Settings;
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
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A standalone node's settings, split from one flat JSON into the hub's ({@link HubOptions}), its own HTTP
 * server's ({@link HubServerOptions}), the cluster's ({@link ClusterOptions}) and the logs' ({@link LogOptions}).
 *
 * <p>{@link #load} reads them with vertx-config, each layer overriding the one before: the defaults of
 * {@code config/hub.json} (built into the jar as {@code signalhub/hub.json}), a JSON file ({@code --config}),
 * environment variables ({@code HUB_} and the key in upper snake case, e.g. {@code HUB_ROOM_CAPACITY}), and
 * command-line flags. {@link #clusterConfig} loads the Hazelcast configuration ({@code config/cluster.xml},
 * built in as {@code signalhub/cluster.xml}, or a file).
 *
 * @param hub the verticles' settings
 * @param server the settings of the hub's own HTTP server
 * @param cluster the settings of the node's cluster
 * @param log how the node logs
 */
public record HubConfig(HubOptions hub, HubServerOptions server, ClusterOptions cluster, LogOptions log) {

  /** Class-path location of the built-in defaults. */
  public static final String DEFAULTS_RESOURCE = "signalhub/hub.json";
  /** Class-path location of the built-in Hazelcast configuration. */
  public static final String CLUSTER_RESOURCE = "signalhub/cluster.xml";

  /** Every setting of a node, in the order of {@code config/hub.json}: server, hub, cluster, logs. */
  public static final List<Setting<?>> SETTINGS = concat(HubServerOptions.SETTINGS, HubOptions.SETTINGS,
    ClusterOptions.SETTINGS, LogOptions.SETTINGS);

  @SafeVarargs
  private static List<Setting<?>> concat(List<Setting<?>>... tables) {
    List<Setting<?>> all = new ArrayList<>();
    for (List<Setting<?>> table : tables) {
      all.addAll(table);
    }
    return Collections.unmodifiableList(all);
  }

  /** Every default. */
  public HubConfig() {
    this(new HubOptions(), new HubServerOptions(), new ClusterOptions(), new LogOptions());
  }

  /**
   * Each class's settings read from one flat JSON object.
   *
   * @throws IllegalArgumentException naming the key, when a key is no setting, a value has the wrong type or
   *     breaks a rule
   */
  public static HubConfig of(JsonObject json) {
    json.fieldNames().forEach(HubConfig::setting);
    return new HubConfig(new HubOptions(json), new HubServerOptions(json), new ClusterOptions(json), new LogOptions(json));
  }

  /**
   * The setting named {@code key}.
   *
   * @throws IllegalArgumentException {@code unknown setting '<key>' (see --help)} when there is none
   */
  public static Setting<?> setting(String key) {
    return SETTINGS.stream().filter(s -> s.key().equals(key)).findFirst()
      .orElseThrow(() -> new IllegalArgumentException("unknown setting '" + key + "' (see --help)"));
  }

  /** Every setting as one flat JSON object, as {@code config/hub.json}. */
  public JsonObject toJson() {
    return server.toJson().mergeIn(hub.toJson()).mergeIn(cluster.toJson()).mergeIn(log.toJson());
  }

  /** The built-in defaults, {@code config/hub.json}. */
  public static JsonObject defaults() {
    return new JsonObject(readResource(DEFAULTS_RESOURCE));
  }

  /** What {@code config/hub.json} holds: every default of {@link #SETTINGS}, pretty-printed. */
  public static String defaultsText() {
    return Settings.defaults(SETTINGS).encodePrettily() + "\n";
  }

  /** The settings table of {@code docs/configuration.md}. */
  public static String markdownTable() {
    return Setting.markdownTable(SETTINGS);
  }

  /**
   * The settings: defaults, then {@code file} (if not {@code null}), then the {@code HUB_*} environment,
   * then {@code flags}.
   *
   * @return fails with {@link IllegalArgumentException} naming the file, variable or setting that is
   *     unreadable, unknown or invalid
   */
  public static Future<HubConfig> load(Vertx vertx, Path file, JsonObject flags) {
    JsonArray envKeys = new JsonArray();
    SETTINGS.forEach(s -> envKeys.add(s.envName()));
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
          return Future.succeededFuture(of(fromEnv(json).mergeIn(flags)));
        } catch (IllegalArgumentException e) {
          return Future.failedFuture(e);
        }
      });
  }

  /** Replaces each {@code HUB_*} entry by its setting, converted to the setting's type. */
  private static JsonObject fromEnv(JsonObject merged) {
    JsonObject out = merged.copy();
    for (Setting<?> setting : SETTINGS) {
      Object raw = out.remove(setting.envName());
      if (raw != null) {
        out.put(setting.key(), setting.parse(raw.toString(), setting.envName()));
      }
    }
    return out;
  }

  /** The Hazelcast configuration named by {@link ClusterOptions#getClusterConfig()}, or the built-in one. */
  public static Config clusterConfig(ClusterOptions options) {
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
