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

  /** Deepest nesting of objects and arrays a client frame may have (signaling payloads are shallow). */
  public static final int MAX_DEPTH = 32;

  /**
   * Parses a client text frame as a JSON object, or fails with {@code malformed-json}; a frame nested
   * deeper than {@link #MAX_DEPTH} fails with {@code invalid-field} (a dialect's rendering may add a level,
   * and JSON encoders refuse very deep documents).
   */
  static JsonObject parse(String text) {
    JsonObject frame;
    try {
      frame = new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      throw new ProtocolException(ErrorCode.MALFORMED_JSON, "frame is not a JSON object");
    }
    if (depth(frame, 0) > MAX_DEPTH) {
      throw new ProtocolException(ErrorCode.INVALID_FIELD, "frame nested deeper than " + MAX_DEPTH + " levels");
    }
    return frame;
  }

  private static int depth(Object value, int level) {
    if (level > MAX_DEPTH) {
      return level;
    }
    int deepest = level;
    if (value instanceof JsonObject o) {
      for (java.util.Map.Entry<String, Object> e : o) {
        deepest = Math.max(deepest, depth(e.getValue(), level + 1));
      }
    } else if (value instanceof JsonArray a) {
      for (Object item : a) {
        deepest = Math.max(deepest, depth(item, level + 1));
      }
    }
    return deepest;
  }

  /** The object field {@code field} of {@code o}; fails like {@link #requireString}. */
  static JsonObject requireObject(JsonObject o, String field, boolean required) {
    Object v = o.getValue(field);
    if (v == null) {
      if (required) {
        throw new ProtocolException(ErrorCode.MISSING_FIELD, "missing field '" + field + "'");
      }
      return null;
    }
    if (!(v instanceof JsonObject obj)) {
      throw new ProtocolException(ErrorCode.INVALID_FIELD, "field '" + field + "' must be an object");
    }
    return obj;
  }

  /** An {@code unknown-type} refusal naming {@code type} (shortened). */
  static ProtocolException unknownType(String type) {
    return new ProtocolException(ErrorCode.UNKNOWN_TYPE,
      "unknown type '" + (type.length() > 64 ? type.substring(0, 64) + "..." : type) + "'");
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
    JsonObject frame = parse(text);
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
          requireString((JsonObject) data, "resume", false);
          Object received = ((JsonObject) data).getValue("received");
          if (received != null && !(received instanceof Number n && n.longValue() >= 0 && n.doubleValue() == n.longValue())) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD, "field 'data.received' must be a non-negative integer");
          }
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
      default -> throw unknownType(t);
    }
    return frame;
  }

  /**
   * The string field {@code field} of {@code o}.
   *
   * @throws ProtocolException {@code missing-field} when required and absent, {@code invalid-field} when
   *     not a string; the message names {@code field}
   */
  static String requireString(JsonObject o, String field, boolean required) {
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

  /**
   * {@code {"type":"welcome","room","to":id,"data":{"id","peers":[...],"resumed","resumeToken"?,"iceServers"?}}}:
   * {@code extra} is merged into {@code data} ({@code iceServers} only when TURN is configured,
   * {@code resumeToken} only when resuming is on).
   */
  public static String welcome(String room, String id, List<String> peers, JsonObject extra) {
    JsonObject data = new JsonObject().put("id", id).put("peers", new JsonArray(List.copyOf(peers))).mergeIn(extra);
    return new JsonObject()
      .put("type", MessageType.WELCOME)
      .put("room", room)
      .put("to", id)
      .put("data", data)
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
    return error(code, message, refusedType, null);
  }

  /**
   * {@code {"type":"error","data":{"code","message","type","to"}}}; {@code to} names the recipient of a
   * dropped held message ({@code expired}), else {@code null}.
   */
  public static String error(ErrorCode code, String message, String refusedType, String to) {
    JsonObject data = new JsonObject().put("code", code.code()).put("message", message);
    if (refusedType != null) {
      data.put("type", refusedType);
    }
    if (to != null) {
      data.put("to", to);
    }
    return new JsonObject().put("type", MessageType.ERROR).put("data", data).encode();
  }
}
