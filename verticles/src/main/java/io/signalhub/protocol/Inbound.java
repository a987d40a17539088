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

  /** Register {@code id} and join the dialect's room (SimplePeer's {@code hello}). */
  record Hello(String id) implements Inbound {
  }

  /**
   * A signaling message in the hub's internal (v1) shape: {@code frame} is
   * {@code {"type":"offer"|"answer"|"ice-candidate"|"signal","to"?,"data"}}; {@code to} is {@code null} for
   * the rest of the room.
   */
  record Signal(String type, String to, JsonObject frame) implements Inbound {
  }
}
