package io.signalhub.verticles.impl;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.List;

/**
 * Cluster-wide room membership. Each operation is atomic for its room, whichever node calls it, so the
 * capacity holds when joins race on several nodes. Rooms that become empty are removed.
 */
public interface RoomStore {

  /**
   * The store for {@code vertx}: Hazelcast's map {@code signalhub.rooms} in a Vertx clustered with
   * Hazelcast, else one in-memory store shared by all verticles of {@code vertx}.
   */
  static RoomStore create(Vertx vertx) {
    Nodes.requireSupportedCluster(vertx);
    if (Nodes.isHazelcast(vertx)) {
      return new HazelcastRoomStore(vertx);
    }
    return LocalRoomStore.of(vertx);
  }

  /**
   * Adds {@code peer}, connected as {@code session} ({@link Member}), to {@code room}, creating the room if
   * needed; a peer already in it stays where it is.
   *
   * @param resume whether a peer already in the room under another session takes its place (a resume)
   *     rather than staying as it is
   * @return the room after the join
   * @throws io.signalhub.protocol.ProtocolException {@code room-full} (as the failure) when the room holds
   *     {@code capacity} peers
   */
  Future<Joined> join(String room, String peer, String session, int capacity, boolean resume);

  /**
   * The outcome of a join: the room after it, and whether the peer was {@code added}, {@code resumed}
   * (already a member under another session, which {@code session} replaced: a resume) or already there.
   */
  record Joined(RoomState state, boolean added, boolean resumed) implements java.io.Serializable {
  }

  /**
   * Removes {@code peer} from {@code room}; the room is removed when it becomes empty.
   *
   * @return the room after the leave (empty members when removed), or {@code null} when {@code peer} was
   *     not in it
   */
  Future<RoomState> leave(String room, String peer);

  /** The room, or {@code null} when it does not exist. */
  Future<RoomState> get(String room);

  /**
   * Removes from every room the peers whose node is no longer a member of the cluster (crashed, or left
   * without cleaning up), removing rooms that become empty. Safe to run on several nodes at once: each
   * peer is removed, and reported, by exactly one of them.
   *
   * @return one entry per peer removed, with its room after the removal
   */
  Future<List<Eviction>> evictAbsentNodes();

  /** A peer removed by {@link #evictAbsentNodes()}: its id and session, and its room afterwards. */
  record Eviction(String peer, String session, RoomState room) implements java.io.Serializable {
  }
}
