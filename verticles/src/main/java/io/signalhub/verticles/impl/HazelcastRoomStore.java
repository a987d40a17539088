package io.signalhub.verticles.impl;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.IMap;
import io.signalhub.protocol.ErrorCode;
import io.signalhub.protocol.ProtocolException;
import io.signalhub.verticles.impl.RoomStore.Eviction;
import io.signalhub.verticles.impl.RoomStore.Joined;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.Context;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.io.Serial;
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
    HazelcastCalls.checkCommonPool();
    HazelcastInstance hz = ((HazelcastClusterManager) Nodes.clusterManager(vertx)).getHazelcastInstance();
    this.rooms = hz.getMap(MAP);
  }

  @Override
  public Future<Joined> join(String room, String peer, String session, int capacity, String resumeFrom) {
    return HazelcastCalls.on(context(), rooms.submitToKey(room, new Join(peer, session, capacity, UUID.randomUUID().toString(), resumeFrom)))
      .compose(joined -> joined == null
        ? Future.failedFuture(new ProtocolException(ErrorCode.ROOM_FULL, "room '" + room + "' is full"))
        : Future.succeededFuture(joined));
  }

  /** Whether {@code peer} is in {@code state} as {@code session} (as any session when {@code null}). */
  static boolean holds(RoomState state, String peer, String session) {
    String current = state.members().get(peer);
    return current != null && (session == null || session.equals(current));
  }

  /** The join rule shared by both stores ({@link RoomStore#join}); {@code null} when the room is full. */
  static Joined join(RoomState state, String peer, String session, int capacity, String resumeFrom) {
    String current = state.members().get(peer);
    if (session.equals(current)) {
      return new Joined(state, false, false, null);
    }
    if (current != null) {
      boolean resumed = current.equals(resumeFrom);
      return new Joined(state.with(peer, session), !resumed, resumed, current);
    }
    if (state.members().size() >= capacity) {
      return null;
    }
    return new Joined(state.with(peer, session), true, false, null);
  }


  @Override
  public Future<Joined> reassert(String room, String peer, String session, long floor) {
    return HazelcastCalls.on(context(), rooms.submitToKey(room, new Reassert(peer, session, floor, UUID.randomUUID().toString())));
  }

  @Override
  public Future<RoomState> leave(String room, String peer, String session) {
    return HazelcastCalls.on(context(), rooms.submitToKey(room, new Leave(peer, session)));
  }

  @Override
  public Future<RoomState> get(String room) {
    return HazelcastCalls.on(context(), rooms.getAsync(room));
  }

  @Override
  public Future<List<RoomState>> page(String after, int limit) {
    // keySet and getAll have no asynchronous form: on a worker, never on the event loop
    return vertx.executeBlocking(() -> {
      java.util.Set<String> keys = after == null ? rooms.keySet()
        : rooms.keySet(com.hazelcast.query.Predicates.greaterThan("__key", after));
      java.util.Set<String> page = keys.stream().sorted().limit(limit)
        .collect(java.util.stream.Collectors.toCollection(java.util.LinkedHashSet::new));
      java.util.Map<String, RoomState> states = rooms.getAll(page);
      return page.stream().map(states::get).filter(java.util.Objects::nonNull).toList();
    }, false);
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

  /**
   * Adds a peer unless the room is full (or, resuming, replaces its session); creates the room, with
   * generation {@code gen}, when absent. The generation is chosen by the caller so that the backup
   * replica, which runs this same processor, stores the same room. Returns {@code null} when full.
   */
  record Join(String peer, String session, int capacity, String gen, String resumeFrom)
    implements EntryProcessor<String, RoomState, Joined> {
    @Serial
    private static final long serialVersionUID = 1L;

    @Override
    public Joined process(Map.Entry<String, RoomState> entry) {
      RoomState state = entry.getValue();
      if (state == null) {
        state = new RoomState(entry.getKey(), gen, 0, new java.util.LinkedHashMap<>());
      }
      Joined joined = HazelcastRoomStore.join(state, peer, session, capacity, resumeFrom);
      if (joined != null && (joined.added() || joined.resumed())) {
        entry.setValue(joined.state());
      }
      return joined;
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

  /** {@link RoomStore#reassertRule}; {@code gen} for a room created by it (chosen by the caller, as in {@link Join}). */
  record Reassert(String peer, String session, long floor, String gen) implements EntryProcessor<String, RoomState, Joined> {
    @Serial
    private static final long serialVersionUID = 1L;

    @Override
    public Joined process(Map.Entry<String, RoomState> entry) {
      Joined joined = RoomStore.reassertRule(entry.getValue(), entry.getKey(), gen, peer, session, floor);
      if (joined.state() != entry.getValue()) {
        entry.setValue(joined.state());
      }
      return joined;
    }
  }

  /** Removes a peer; removes the room when it becomes empty. Returns {@code null} when the peer was absent. */
  record Leave(String peer, String session) implements EntryProcessor<String, RoomState, RoomState> {
    @Serial
    private static final long serialVersionUID = 1L;

    @Override
    public RoomState process(Map.Entry<String, RoomState> entry) {
      RoomState state = entry.getValue();
      if (state == null || !HazelcastRoomStore.holds(state, peer, session)) {
        return null;
      }
      RoomState after = state.without(peer);
      entry.setValue(after.members().isEmpty() ? null : after);
      return after;
    }
  }
}
