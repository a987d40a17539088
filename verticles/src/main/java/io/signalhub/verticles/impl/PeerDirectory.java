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
   * connection holding the id, the new connection takes the claim over (a resume); when that connection is
   * suspended ({@link #suspend}), a claim without its token replaces it (a fresh join under the same id), unless
   * {@code mayReplace} is false.
   *
   * @return what the claim took over; fails with {@link io.signalhub.protocol.ProtocolException}
   *     {@code id-taken} when an open connection holds the id
   */
  Future<Claimed> claim(String peer, String session, String tokenHash, String resumeHash, boolean mayReplace);

  /** Marks the claim of {@code session}, if it holds {@code peer}, as suspended: its link dropped. */
  Future<Void> suspend(String peer, String session);

  /**
   * The outcome of a claim: the session that held the id before ({@code null}: none), and whether the
   * claim resumed it (else it replaced a suspended one).
   */
  record Claimed(String previous, boolean resumed) {
    static final Claimed FRESH = new Claimed(null, false);
  }

  /** The stored value of a claim: {@code <session>|<token hash>}, then {@code |s} once suspended. */
  static String value(String session, String tokenHash) {
    return session + "|" + tokenHash;
  }

  /** The session part of a stored value. */
  static String sessionOf(String value) {
    int bar = value.indexOf('|');
    return bar < 0 ? value : value.substring(0, bar);
  }

  /** The stored value marked suspended. */
  static String suspended(String value) {
    return value.endsWith(SUSPENDED) ? value : value + SUSPENDED;
  }

  /** Suffix of a suspended claim's value. */
  String SUSPENDED = "|s";

  /** The claim rule shared by both directories; sets nothing. {@code null}: refused ({@code id-taken}). */
  static Claimed claimRule(String current, String resumeHash, boolean mayReplace) {
    if (current == null) {
      return Claimed.FRESH;
    }
    String[] parts = current.split("\\|");
    if (resumeHash != null && parts.length > 1 && parts[1].equals(resumeHash)) {
      return new Claimed(parts[0], true);
    }
    return mayReplace && current.endsWith(SUSPENDED) ? new Claimed(parts[0], false) : null;
  }

  /**
   * After a change in the cluster (a merge, lost data), puts back the claim {@code value} ({@link #value}, with
   * {@link #SUSPENDED} when that connection's link is down) of one of this node's connections, unless the id is
   * held by another connection that wins ({@link #reassertRule}).
   *
   * @return whether {@code value}'s session holds the id afterwards
   */
  Future<Boolean> reassert(String peer, String value);

  /**
   * Whether a re-asserted claim {@code value} takes (or keeps) the id held as {@code current} ({@code null}: free),
   * the session of {@code current} being on a node that {@code currentNodeLive} is a member: when one id was claimed
   * on both sides of a partition, the claim the merged cluster kept wins, unless it is suspended (its link is down)
   * and the re-asserted one is not, or its node is gone.
   */
  static boolean reassertRule(String current, String value, boolean currentNodeLive) {
    if (current == null || sessionOf(current).equals(sessionOf(value)) || !currentNodeLive) {
      return true;
    }
    return current.endsWith(SUSPENDED) && !value.endsWith(SUSPENDED);
  }

  /** The stored claim of {@code peer} ({@link #value}), or {@code null} when no connection holds it. */
  Future<String> lookup(String peer);

  /** Releases {@code peer} if the connection {@code session} holds it. */
  Future<Void> release(String peer, String session);

  /**
   * Releases the ids held by connections on nodes that are no longer members of the cluster.
   *
   * @return how many were released
   */
  Future<Integer> evictAbsentNodes();
}
