package io.signalhub.launcher;

import io.signalhub.verticles.Setting;
import io.signalhub.verticles.Settings;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * Settings of the standalone node's cluster: whether it starts a clustered {@code Vertx} with an embedded
 * Hazelcast member, and how. Only the launcher reads them; an application embedding the hub brings its own
 * {@code Vertx}. Each setting is written once, as a {@link Setting} constant; the keys sit in the same flat
 * {@code config/hub.json} as the hub's. Setters do not check; {@link #validate()} and the JSON constructor throw
 * {@code IllegalArgumentException("invalid hub setting '<key>': ...")}.
 */
public class ClusterOptions extends Settings<ClusterOptions> {

  public static final Setting<Boolean> CLUSTERED = Setting.ofBoolean("clustered", true,
      "join a Hazelcast cluster with an embedded member (`--no-cluster` sets `false`)");
  public static final Setting<String> CLUSTER_HOST = Setting.ofString("clusterHost", "127.0.0.1",
      "interface of the clustered event bus (loopback by default: the event bus is unauthenticated)")
    .rule(v -> !v.isBlank(), "must not be empty");
  public static final Setting<String> CLUSTER_CONFIG = Setting.ofString("clusterConfig", "",
      "Hazelcast XML file; empty for the built-in `config/cluster.xml`");

  /** Every setting, in the order of {@code config/hub.json}. */
  public static final List<Setting<?>> SETTINGS = List.of(CLUSTERED, CLUSTER_HOST, CLUSTER_CONFIG);

  /** Every default: clustered, event bus on loopback, the built-in Hazelcast configuration. */
  public ClusterOptions() {
    super(SETTINGS);
  }

  /**
   * Options read from JSON, then validated; absent keys keep their defaults, other keys are ignored.
   *
   * @throws IllegalArgumentException naming the key, when a value has the wrong type or breaks a rule
   */
  public ClusterOptions(JsonObject json) {
    super(SETTINGS, json);
  }

  /** {@link #CLUSTERED}. */
  public boolean isClustered() { return get(CLUSTERED); }
  public ClusterOptions setClustered(boolean v) { return set(CLUSTERED, v); }

  /** {@link #CLUSTER_HOST}. */
  public String getClusterHost() { return get(CLUSTER_HOST); }
  public ClusterOptions setClusterHost(String v) { return set(CLUSTER_HOST, v); }

  /** {@link #CLUSTER_CONFIG}. */
  public String getClusterConfig() { return get(CLUSTER_CONFIG); }
  public ClusterOptions setClusterConfig(String v) { return set(CLUSTER_CONFIG, v); }
}
