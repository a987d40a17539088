package io.signalhub.verticles.impl;

import io.vertx.core.json.JsonObject;

import java.io.Serial;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * One room's membership: peer id to its session {@code <node id>/<epoch>} ({@link Member}), in join order. {@code gen} is a random id of this
 * incarnation of the room (a room removed when empty and created again gets a new one) and
 * {@code version} counts its changes, so caches can order updates. Immutable; stored as the value of the
 * cluster-wide room map.
 */
public record RoomState(String room, String gen, long version, LinkedHashMap<String, String> members)
  implements Serializable {

  @Serial
  private static final long serialVersionUID = 1L;

  /** A new, empty incarnation of {@code room}. */
  public static RoomState create(String room) {
    return new RoomState(room, UUID.randomUUID().toString(), 0, new LinkedHashMap<>());
  }

  /** This room with {@code peer} (connected as {@code session}, see {@link Member}) added at the end. */
  public RoomState with(String peer, String session) {
    LinkedHashMap<String, String> m = new LinkedHashMap<>(members);
    m.put(peer, session);
    return new RoomState(room, gen, version + 1, m);
  }

  /** This room at {@code version} (a re-assertion after a merge raises it above what any client was told). */
  public RoomState atVersion(long version) {
    return new RoomState(room, gen, version, members);
  }

  /** This room without {@code peer}. */
  public RoomState without(String peer) {
    LinkedHashMap<String, String> m = new LinkedHashMap<>(members);
    m.remove(peer);
    return new RoomState(room, gen, version + 1, m);
  }

  /** The members other than {@code peer}, in join order. */
  public List<String> othersThan(String peer) {
    List<String> out = new ArrayList<>(members.size());
    for (String id : members.keySet()) {
      if (!id.equals(peer)) {
        out.add(id);
      }
    }
    return out;
  }

  /** {@code {"room","gen","version","members":{"<peer>":"<node>/<epoch>",...}}}. */
  public JsonObject toJson() {
    JsonObject m = new JsonObject(new LinkedHashMap<>());
    members.forEach(m::put);
    return new JsonObject().put("room", room).put("gen", gen).put("version", version).put("members", m);
  }

  /** The inverse of {@link #toJson()}. */
  public static RoomState fromJson(JsonObject json) {
    LinkedHashMap<String, String> m = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : json.getJsonObject("members")) {
      m.put(e.getKey(), (String) e.getValue());
    }
    return new RoomState(json.getString("room"), json.getString("gen"), json.getLong("version"), m);
  }
}
