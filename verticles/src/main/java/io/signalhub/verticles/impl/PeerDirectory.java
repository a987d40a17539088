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
   * Claims {@code peer} for the connection {@code session} ({@link Member}), which can later be resumed with
   * the token whose hash is {@code tokenHash}. When {@code resumeHash} matches the hash stored by the
   * connection holding the id, the new connection takes the claim over (a resume).
   *
   * @return the session taken over, or {@code null} for a fresh claim; fails with
   *     {@link io.signalhub.protocol.ProtocolException} {@code id-taken} when another connection holds it
   */
  Future<String> claim(String peer, String session, String tokenHash, String resumeHash);

  /** The stored value of a claim: {@code <session>|<token hash>}. */
  static String value(String session, String tokenHash) {
    return session + "|" + tokenHash;
  }

  /** The session part of a stored value. */
  static String sessionOf(String value) {
    int bar = value.indexOf('|');
    return bar < 0 ? value : value.substring(0, bar);
  }

  /**
   * The claim rule shared by both directories: the new value, or {@code null} to refuse; sets nothing.
   */
  static String claimed(String current, String session, String tokenHash, String resumeHash) {
    if (current == null) {
      return value(session, tokenHash);
    }
    if (resumeHash != null && current.endsWith("|" + resumeHash)) {
      return value(session, tokenHash);
    }
    return null;
  }

  /** Releases {@code peer} if the connection {@code session} holds it. */
  Future<Void> release(String peer, String session);

  /**
   * Releases the ids held by connections on nodes that are no longer members of the cluster.
   *
   * @return how many were released
   */
  Future<Integer> evictAbsentNodes();
}
