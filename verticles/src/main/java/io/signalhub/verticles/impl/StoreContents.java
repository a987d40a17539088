package io.signalhub.verticles.impl;

import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.util.Set;

/**
 * What the cluster-wide stores hold, for diagnostics and the tests' leak check: the rooms of
 * {@code signalhub.rooms} and the peer ids of {@code signalhub.peers} (or of the in-memory stores of a
 * non-clustered Vertx). Reading a Hazelcast map's keys is a blocking call: it runs on a worker.
 */
public final class StoreContents {

  private StoreContents() {
  }

  /** The names of the rooms stored. */
  public static Future<Set<String>> rooms(Vertx vertx) {
    if (Nodes.isHazelcast(vertx)) {
      return keys(vertx, HazelcastRoomStore.MAP);
    }
    return Future.succeededFuture(LocalRoomStore.of(vertx).names());
  }

  /** The peer ids claimed. */
  public static Future<Set<String>> peers(Vertx vertx) {
    if (Nodes.isHazelcast(vertx)) {
      return keys(vertx, HazelcastPeerDirectory.MAP);
    }
    return Future.succeededFuture(LocalPeerDirectory.of(vertx).ids());
  }

  private static Future<Set<String>> keys(Vertx vertx, String map) {
    HazelcastInstance hz = ((HazelcastClusterManager) Nodes.clusterManager(vertx)).getHazelcastInstance();
    return vertx.executeBlocking(() -> Set.copyOf(hz.<String, Object>getMap(map).keySet()), false);
  }
}
