package io.signalhub.protocol;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * Decoding of client frames and encoding of hub frames for protocol v1 ({@code docs/protocol.md}).
 * Decoding parses the frame once; {@code data} (the SDP or ICE candidate) is kept as parsed and written
 * back out unchanged.
 */
public final class Frames {

  private Frames() {
  }

  /**
   * Parses and checks one client text frame.
   *
   * @return the frame as a JSON object with a known {@code type}, and {@code to}, {@code room} and
   *     {@code data} of the right JSON types where present
   * @throws ProtocolException {@code malformed-json}, {@code missing-field}, {@code invalid-field},
   *     {@code unknown-type} or {@code invalid-id}
   */
  public static JsonObject decode(String text) {
    JsonObject frame;
    try {
      frame = new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      throw new ProtocolException(ErrorCode.MALFORMED_JSON, "frame is not a JSON object");
    }
    Object type = frame.getValue("type");
    if (type == null) {
      throw new ProtocolException(ErrorCode.MISSING_FIELD, "missing field 'type'");
    }
    if (!(type instanceof String t)) {
      throw new ProtocolException(ErrorCode.INVALID_FIELD, "field 'type' must be a string");
    }
    switch (t) {
      case MessageType.JOIN -> {
        requireString(frame, "room", true);
        Object data = frame.getValue("data");
        if (data != null && !(data instanceof JsonObject)) {
          throw new ProtocolException(ErrorCode.INVALID_FIELD, "field 'data' must be an object");
        }
        if (data != null) {
          requireString((JsonObject) data, "id", false);
        }
      }
      case MessageType.LEAVE -> {
      }
      case MessageType.OFFER, MessageType.ANSWER, MessageType.ICE_CANDIDATE -> {
        String to = requireString(frame, "to", false);
        if (to != null) {
          Ids.require(to, "to");
        }
        if (frame.getValue("data") == null) {
          throw new ProtocolException(ErrorCode.MISSING_FIELD, "missing field 'data'");
        }
      }
      default -> throw new ProtocolException(ErrorCode.UNKNOWN_TYPE,
        "unknown type '" + (t.length() > 64 ? t.substring(0, 64) + "..." : t) + "'");
    }
    return frame;
  }

  private static String requireString(JsonObject o, String field, boolean required) {
    Object v = o.getValue(field);
    if (v == null) {
      if (required) {
        throw new ProtocolException(ErrorCode.MISSING_FIELD, "missing field '" + field + "'");
      }
      return null;
    }
    if (!(v instanceof String s)) {
      throw new ProtocolException(ErrorCode.INVALID_FIELD, "field '" + field + "' must be a string");
    }
    return s;
  }

  /** {@code {"type":"welcome","room","to":id,"data":{"id","peers":[...]}}}. */
  public static String welcome(String room, String id, List<String> peers) {
    return new JsonObject()
      .put("type", MessageType.WELCOME)
      .put("room", room)
      .put("to", id)
      .put("data", new JsonObject().put("id", id).put("peers", new JsonArray(List.copyOf(peers))))
      .encode();
  }

  /** {@code {"type":"peer-joined","room","data":{"id"}}}. */
  public static String peerJoined(String room, String id) {
    return new JsonObject()
      .put("type", MessageType.PEER_JOINED)
      .put("room", room)
      .put("data", new JsonObject().put("id", id))
      .encode();
  }

  /** {@code {"type":"peer-left","room","data":{"id","reason"}}}. */
  public static String peerLeft(String room, String id, String reason) {
    return new JsonObject()
      .put("type", MessageType.PEER_LEFT)
      .put("room", room)
      .put("data", new JsonObject().put("id", id).put("reason", reason))
      .encode();
  }

  /** {@code {"type":"left","room"}}, the reply to {@code leave}. */
  public static String left(String room) {
    return new JsonObject().put("type", MessageType.LEFT).put("room", room).encode();
  }

  /**
   * {@code {"type":"error","data":{"code","message","type"}}}.
   *
   * @param refusedType the type of the refused frame, or {@code null} when unknown
   */
  public static String error(ErrorCode code, String message, String refusedType) {
    JsonObject data = new JsonObject().put("code", code.code()).put("message", message);
    if (refusedType != null) {
      data.put("type", refusedType);
    }
    return new JsonObject().put("type", MessageType.ERROR).put("data", data).encode();
  }
}
