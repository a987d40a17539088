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
   * needed. A peer already in it under {@code resumeFrom} moves to {@code session} (a resume: not
   * {@code added}); under any other session (one left behind by a connection that is gone), {@code session}
   * takes its seat and counts as {@code added}.
   *
   * @param resumeFrom the session this join resumes, or {@code null}
   * @return the room after the join
   * @throws io.signalhub.protocol.ProtocolException {@code room-full} (as the failure) when the room holds
   *     {@code capacity} peers
   */
  Future<Joined> join(String room, String peer, String session, int capacity, String resumeFrom);

  /**
   * The outcome of a join: the room after it, whether the peer was {@code added} or {@code resumed} (neither:
   * it was there already as {@code session}), and the session whose seat it took ({@code previous}, or
   * {@code null}).
   */
  record Joined(RoomState state, boolean added, boolean resumed, String previous) implements java.io.Serializable {
  }

  /**
   * Puts {@code peer}'s seat in {@code room} back as {@code session} after a change in the cluster (a merge kept the
   * other side's state of the room, or data was lost with departed members): adds it, creating the room if needed
   * (no capacity check: the peer was in the room all along), or takes it from another session of the same peer id (this
   * one holds the id); no change when it is there as {@code session}. The room's version ends above {@code floor}, the
   * newest version the peer's client was told of, so that clients order the notices that follow after theirs.
   *
   * @return the room after it; {@code added} when the seat was absent or another session's ({@code previous})
   */
  Future<Joined> reassert(String room, String peer, String session, long floor);

  /** The rule of {@link #reassert}, shared by both stores; {@code state} is {@code null} when the room is absent. */
  static Joined reassertRule(RoomState state, String room, String gen, String peer, String session, long floor) {
    RoomState before = state != null ? state : new RoomState(room, gen, 0, new java.util.LinkedHashMap<>());
    String current = before.members().get(peer);
    boolean added = !session.equals(current);
    RoomState after = added ? before.with(peer, session) : before;
    if (after.version() <= floor) {
      after = after.atVersion(floor + 1);
    }
    return new Joined(after, added, false, added ? current : null);
  }

  /**
   * Removes {@code peer} from {@code room} if it is there as {@code session} (any session when {@code null}); the
   * room is removed when it becomes empty.
   *
   * @return the room after the leave (empty members when removed), or {@code null} when {@code peer} was
   *     not in it (as that session)
   */
  Future<RoomState> leave(String room, String peer, String session);

  /** The room, or {@code null} when it does not exist. */
  Future<RoomState> get(String room);

  /**
   * A page of the rooms in name order: at most {@code limit} rooms whose names sort after {@code after}
   * ({@code null}: from the first). Reads every room name of the cluster (for an operator's listing, not a hot path).
   */
  Future<List<RoomState>> page(String after, int limit);

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
