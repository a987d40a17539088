package io.signalhub.verticles.impl;

import io.signalhub.protocol.ErrorCode;
import io.signalhub.protocol.ProtocolException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** {@link RoomStore} of a non-clustered Vertx: one synchronized map shared by its verticles. */
final class LocalRoomStore implements RoomStore, Shareable {

  private final Map<String, RoomState> rooms = new HashMap<>();

  static LocalRoomStore of(Vertx vertx) {
    LocalMap<String, LocalRoomStore> map = vertx.sharedData().getLocalMap("signalhub.stores.rooms");
    LocalRoomStore created = new LocalRoomStore();
    LocalRoomStore previous = map.putIfAbsent("store", created);
    return previous != null ? previous : created;
  }

  @Override
  public synchronized Future<Joined> join(String room, String peer, String session, int capacity, String resumeFrom) {
    RoomState state = rooms.get(room);
    if (state == null) {
      state = RoomState.create(room);
    }
    Joined joined = HazelcastRoomStore.join(state, peer, session, capacity, resumeFrom);
    if (joined == null) {
      return Future.failedFuture(new ProtocolException(ErrorCode.ROOM_FULL, "room '" + room + "' is full"));
    }
    rooms.put(room, joined.state());
    return Future.succeededFuture(joined);
  }

  @Override
  public synchronized Future<Joined> reassert(String room, String peer, String session, long floor) {
    Joined joined = RoomStore.reassertRule(rooms.get(room), room, java.util.UUID.randomUUID().toString(), peer, session, floor);
    rooms.put(room, joined.state());
    return Future.succeededFuture(joined);
  }

  @Override
  public synchronized Future<RoomState> leave(String room, String peer, String session) {
    RoomState state = rooms.get(room);
    if (state == null || !HazelcastRoomStore.holds(state, peer, session)) {
      return Future.succeededFuture(null);
    }
    RoomState after = state.without(peer);
    if (after.members().isEmpty()) {
      rooms.remove(room);
    } else {
      rooms.put(room, after);
    }
    return Future.succeededFuture(after);
  }

  @Override
  public Future<List<Eviction>> evictAbsentNodes() {
    return Future.succeededFuture(List.of()); // a non-clustered Vertx is the only node
  }

  /** The rooms stored (see {@link StoreContents}). */
  synchronized java.util.Set<String> names() {
    return java.util.Set.copyOf(rooms.keySet());
  }

  @Override
  public synchronized Future<RoomState> get(String room) {
    return Future.succeededFuture(rooms.get(room));
  }

  @Override
  public synchronized Future<java.util.List<RoomState>> page(String after, int limit) {
    return Future.succeededFuture(rooms.keySet().stream().filter(r -> after == null || r.compareTo(after) > 0).sorted()
      .limit(limit).map(rooms::get).toList());
  }
}
