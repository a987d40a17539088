package io.signalhub.verticles.impl;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import io.signalhub.protocol.ErrorCode;
import io.signalhub.protocol.ProtocolException;
import io.signalhub.verticles.impl.RoomStore.Eviction;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.Context;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.io.Serial;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * {@link RoomStore} on the Hazelcast map {@value #MAP}: each join and leave is an entry processor run on
 * the room's partition owner, so concurrent joins from any node are serialized per room (Hazelcast
 * Reference Manual, "Entry Processor"). Calls are asynchronous and never block an event loop.
 */
final class HazelcastRoomStore implements RoomStore {

  /** Name of the Hazelcast map of rooms: room name to {@link RoomState}. */
  static final String MAP = "signalhub.rooms";

  private final Vertx vertx;
  private final IMap<String, RoomState> rooms;

  HazelcastRoomStore(Vertx vertx) {
    this.vertx = vertx;
    HazelcastInstance hz = ((HazelcastClusterManager) Nodes.clusterManager(vertx)).getHazelcastInstance();
    this.rooms = hz.getMap(MAP);
  }

  @Override
  public Future<RoomState> join(String room, String peer, String session, int capacity) {
    return Future.fromCompletionStage(rooms.submitToKey(room, new Join(peer, session, capacity, UUID.randomUUID().toString())), context())
      .compose(outcome -> outcome.full
        ? Future.failedFuture(new ProtocolException(ErrorCode.ROOM_FULL, "room '" + room + "' is full"))
        : Future.succeededFuture(outcome.state));
  }

  @Override
  public Future<RoomState> leave(String room, String peer) {
    return Future.fromCompletionStage(rooms.submitToKey(room, new Leave(peer)), context());
  }

  @Override
  public Future<RoomState> get(String room) {
    return Future.fromCompletionStage(rooms.getAsync(room), context());
  }

  @Override
  public Future<List<Eviction>> evictAbsentNodes() {
    // executeOnEntries has no asynchronous form: run it on a worker, never on the event loop
    return vertx.executeBlocking(() -> {
      List<Eviction> evictions = new ArrayList<>();
      for (ArrayList<Eviction> some : rooms.executeOnEntries(new EvictAbsent()).values()) {
        if (some != null) {
          evictions.addAll(some);
        }
      }
      return evictions;
    }, false);
  }

  private Context context() {
    return vertx.getOrCreateContext();
  }

  /** Result of {@link Join}: the room after the join, or {@code full}. */
  record JoinOutcome(RoomState state, boolean full) implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;
  }

  /**
   * Adds a peer unless the room is full; creates the room, with generation {@code gen}, when absent. The
   * generation is chosen by the caller so that the backup replica, which runs this same processor,
   * stores the same room.
   */
  record Join(String peer, String session, int capacity, String gen) implements EntryProcessor<String, RoomState, JoinOutcome> {
    @Serial
    private static final long serialVersionUID = 1L;

    @Override
    public JoinOutcome process(Map.Entry<String, RoomState> entry) {
      RoomState state = entry.getValue();
      if (state == null) {
        state = new RoomState(entry.getKey(), gen, 0, new java.util.LinkedHashMap<>());
      }
      if (state.members().containsKey(peer)) {
        return new JoinOutcome(state, false);
      }
      if (state.members().size() >= capacity) {
        return new JoinOutcome(null, true);
      }
      RoomState after = state.with(peer, session);
      entry.setValue(after);
      return new JoinOutcome(after, false);
    }
  }

  /**
   * Removes the members whose node is not a current cluster member, as the member running the processor
   * (the room's partition owner) sees the cluster; returns the evictions, {@code null} when none.
   */
  static final class EvictAbsent implements EntryProcessor<String, RoomState, ArrayList<Eviction>>,
    HazelcastInstanceAware {
    @Serial
    private static final long serialVersionUID = 1L;
    private transient HazelcastInstance hz;

    @Override
    public void setHazelcastInstance(HazelcastInstance hazelcastInstance) {
      this.hz = hazelcastInstance;
    }

    @Override
    public ArrayList<Eviction> process(Map.Entry<String, RoomState> entry) {
      RoomState state = entry.getValue();
      if (state == null) {
        return null;
      }
      Set<String> live = LiveNodes.of(hz);
      RoomState after = state;
      List<Map.Entry<String, String>> gone = new ArrayList<>();
      for (Map.Entry<String, String> member : state.members().entrySet()) {
        if (!live.contains(Member.node(member.getValue()))) {
          gone.add(member);
          after = after.without(member.getKey());
        }
      }
      if (gone.isEmpty()) {
        return null;
      }
      entry.setValue(after.members().isEmpty() ? null : after);
      ArrayList<Eviction> evictions = new ArrayList<>();
      for (Map.Entry<String, String> member : gone) {
        evictions.add(new Eviction(member.getKey(), member.getValue(), after));
      }
      return evictions;
    }
  }

  /** Removes a peer; removes the room when it becomes empty. Returns {@code null} when the peer was absent. */
  record Leave(String peer) implements EntryProcessor<String, RoomState, RoomState> {
    @Serial
    private static final long serialVersionUID = 1L;

    @Override
    public RoomState process(Map.Entry<String, RoomState> entry) {
      RoomState state = entry.getValue();
      if (state == null || !state.members().containsKey(peer)) {
        return null;
      }
      RoomState after = state.without(peer);
      entry.setValue(after.members().isEmpty() ? null : after);
      return after;
    }
  }
}
