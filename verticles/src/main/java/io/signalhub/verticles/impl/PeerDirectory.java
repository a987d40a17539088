package io.signalhub.verticles.impl;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * Cluster-wide directory of connected peer ids: peer id to its connection's session ({@link Member}). A claim is
 * atomic, so one id is connected at most once in the whole cluster.
 */
public interface PeerDirectory {

  /**
   * The directory for {@code vertx}: Hazelcast's map {@code signalhub.peers} in a Vertx clustered with
   * Hazelcast, else one in-memory directory shared by all verticles of {@code vertx}.
   */
  static PeerDirectory create(Vertx vertx) {
    Nodes.requireSupportedCluster(vertx);
    if (Nodes.isHazelcast(vertx)) {
      return new HazelcastPeerDirectory(vertx);
    }
    return LocalPeerDirectory.of(vertx);
  }

  /**
   * Claims {@code peer} for the connection {@code session} ({@link Member}).
   *
   * @return succeeds when claimed; fails with {@link io.signalhub.protocol.ProtocolException}
   *     {@code id-taken} when another connection holds it
   */
  Future<Void> claim(String peer, String session);

  /** Releases {@code peer} if the connection {@code session} holds it. */
  Future<Void> release(String peer, String session);

  /**
   * Releases the ids held by connections on nodes that are no longer members of the cluster.
   *
   * @return how many were released
   */
  Future<Integer> evictAbsentNodes();
}
