package io.signalhub.protocol;

/**
 * The codes of {@code error} frames, {@code {"type":"error","data":{"code":...,"message":...,"type":...}}}.
 * After an error frame the socket stays open and usable. Each is listed in {@code docs/protocol.md}.
 */
public enum ErrorCode {
  /** The text frame is not a JSON object. */
  MALFORMED_JSON("malformed-json"),
  /** A required field is absent; the message names it. */
  MISSING_FIELD("missing-field"),
  /** A field has the wrong JSON type or a forbidden value; the message names it. */
  INVALID_FIELD("invalid-field"),
  /** The {@code type} is not a client-to-hub type of the protocol. */
  UNKNOWN_TYPE("unknown-type"),
  /** A room name or peer id outside {@code [A-Za-z0-9_-]{1,64}}. */
  INVALID_ID("invalid-id"),
  /** A signaling message or {@code leave} before {@code join}. */
  NOT_JOINED("not-joined"),
  /** A {@code join} while already in a room. */
  ALREADY_JOINED("already-joined"),
  /** {@code to} names a peer that is not in the sender's room. */
  NOT_IN_ROOM("not-in-room"),
  /** The room has reached its capacity. */
  ROOM_FULL("room-full"),
  /** The node already serves {@code maxRoomsPerNode} rooms; joining one more is refused. */
  TOO_MANY_ROOMS("too-many-rooms"),
  /** Another open connection already uses the peer id. */
  ID_TAKEN("id-taken"),
  /** A binary frame: the protocol is carried by text frames only. */
  UNSUPPORTED_FRAME("unsupported-frame"),
  /** The hub could not complete the request in time; the client may retry. */
  UNAVAILABLE("unavailable"),
  /** The connection's token does not allow this room (its {@code room} claim names another). */
  FORBIDDEN("forbidden"),
  /** The connection sends faster than its rate limit; the message was dropped (a flood: then close 4003). */
  RATE_LIMITED("rate-limited"),
  /** The connection did not join a room in time after opening (then close 4002). */
  JOIN_TIMEOUT("join-timeout"),
  /** A held message was dropped: its recipient did not join in time, or a hold bound was hit. */
  EXPIRED("expired"),
  /** The embedding application refused the join (its {@code HubEvent} handler vetoed the REGISTER); in no room. */
  JOIN_REFUSED("join-refused"),
  /** The embedding application refused the message (its {@code HubEvent} handler vetoed the BROADCAST); delivered to no one. */
  MESSAGE_REFUSED("message-refused"),
  /** A token is missing, invalid, unsigned, expired or has no {@code exp}; the socket is closed with 1008. */
  UNAUTHORIZED("unauthorized");

  private final String code;

  ErrorCode(String code) {
    this.code = code;
  }

  /** The code as written on the wire, e.g. {@code room-full}. */
  public String code() {
    return code;
  }

  /**
   * The error code carried on the wire by {@code code}, or {@link #UNAVAILABLE} when unknown (e.g. an
   * event-bus time-out's failure code).
   */
  public static ErrorCode fromCode(String code) {
    for (ErrorCode c : values()) {
      if (c.code.equals(code)) {
        return c;
      }
    }
    return UNAVAILABLE;
  }
}
