package io.signalhub.verticles.impl;

import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.spi.cluster.ClusterManager;

import java.util.UUID;

/** The identity of this hub node and access to its cluster manager. */
public final class Nodes {

  private Nodes() {
  }

  /**
   * The node id: the cluster manager's node id in a clustered {@link Vertx}, else a random id fixed for
   * the lifetime of {@code vertx}.
   */
  public static String nodeId(Vertx vertx) {
    ClusterManager cm = clusterManager(vertx);
    if (cm != null) {
      return cm.getNodeId();
    }
    LocalMap<String, String> map = vertx.sharedData().getLocalMap("signalhub.node");
    String known = map.get("id");
    if (known != null) {
      return known;
    }
    String id = UUID.randomUUID().toString();
    String previous = map.putIfAbsent("id", id);
    return previous != null ? previous : id;
  }

  /** The cluster manager of a clustered {@code vertx}, else {@code null}. */
  public static ClusterManager clusterManager(Vertx vertx) {
    if (vertx.isClustered() && vertx instanceof VertxInternal internal) {
      return internal.clusterManager();
    }
    return null;
  }

  /** Whether {@code vertx} is clustered with the Hazelcast cluster manager. */
  public static boolean isHazelcast(Vertx vertx) {
    ClusterManager cm = clusterManager(vertx);
    return cm != null && cm.getClass().getName().equals("io.vertx.spi.cluster.hazelcast.HazelcastClusterManager");
  }

  /**
   * Fails fast for a clustered {@code vertx} whose cluster manager is not Hazelcast: the cluster-wide room
   * and peer stores are built on Hazelcast maps.
   */
  public static void requireSupportedCluster(Vertx vertx) {
    ClusterManager cm = clusterManager(vertx);
    if (cm != null && !isHazelcast(vertx)) {
      throw new IllegalStateException("signalhub needs the Hazelcast cluster manager (vertx-hazelcast) in a clustered Vertx, found "
        + cm.getClass().getName());
    }
  }
}
