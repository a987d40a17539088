package io.signalhub.protocol;

import io.vertx.core.json.JsonObject;

/** What a client frame asks of the hub, in any dialect, once decoded by its {@link Dialect}. */
public sealed interface Inbound {

  /**
   * Join {@code room}, optionally as {@code id} ({@code null}: keep or be given an id), optionally resuming
   * an earlier connection's session with its {@code resume} token. {@code received} is the {@code seq} of the
   * last frame the client got on that connection ({@code -1}: not told), so the hub replays what followed.
   */
  record Join(String room, String id, String resume, long received) implements Inbound {
  }

  /** Leave the room; the socket stays open. */
  record Leave() implements Inbound {
  }

  /**
   * A frame that names the room it is meant for, in a dialect whose clients may send no join frame (Private Meet,
   * seed 001: {@code room} on every frame, no join frame named): the connection is to be in {@code room}, joined
   * first if it is in none (as for {@link Join}, by the same rules), then {@code signal} is routed as usual. A
   * connection already in {@code room} just routes {@code signal}; one in another room is refused
   * ({@code forbidden} when its token's {@code room} claim names another, else {@code already-joined}) and
   * {@code signal} is not routed. {@code signal} is {@code null} for a frame that only asks to be in the room
   * (Private Meet's {@code room.join}, then idempotent). {@code room} is not checked yet (the session does, as for
   * {@link Join}).
   */
  record InRoom(String room, Signal signal) implements Inbound {
  }

  /** Register {@code id} and join the dialect's room (SimplePeer's {@code hello}). */
  record Hello(String id) implements Inbound {
  }

  /**
   * A signaling message in the hub's internal (v1) shape: {@code type} is {@code offer}, {@code answer},
   * {@code ice-candidate} or {@code signal}; {@code to} is {@code null} for the rest of the room; {@code members}
   * is the JSON text of the frame's other members, comma-separated without braces (at least
   * {@code "data":...}, the SDP or ICE candidate, as the client wrote it), which the router puts behind the
   * members it writes ({@link Frames#routed}).
   */
  record Signal(String type, String to, String members) implements Inbound {

    /** A signal whose only member is {@code "data":<data>}. */
    public static Signal withData(String type, String to, JsonObject data) {
      return new Signal(type, to, "\"data\":" + data.encode());
    }
  }
}
