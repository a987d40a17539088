package io.signalhub.protocol;

import io.vertx.core.json.JsonObject;

/** What a client frame asks of the hub, in any dialect, once decoded by its {@link Dialect}. */
public sealed interface Inbound {

  /** Join {@code room}, optionally as {@code id} ({@code null}: keep or be given an id). */
  record Join(String room, String id) implements Inbound {
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
