package io.signalhub.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.util.List;

/**
 * Decoding of client frames and encoding of hub frames for protocol v1 ({@code docs/protocol.md}).
 * A signaling frame is scanned once and its {@code data} (the SDP or ICE candidate) passed on as the text the
 * client wrote: never parsed into objects, never re-encoded.
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
      throw malformed();
    }
    if (depth(frame, 0) > MAX_DEPTH) {
      throw tooDeep();
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

  /** The {@code malformed-json} refusal: the frame is not one well-formed JSON object. */
  private static ProtocolException malformed() {
    return new ProtocolException(ErrorCode.MALFORMED_JSON, "frame is not a JSON object");
  }

  /** The {@code invalid-field} refusal of a frame nested deeper than {@link #MAX_DEPTH}. */
  private static ProtocolException tooDeep() {
    return new ProtocolException(ErrorCode.INVALID_FIELD, "frame nested deeper than " + MAX_DEPTH + " levels");
  }

  /** An {@code unknown-type} refusal naming {@code type} (shortened). */
  static ProtocolException unknownType(String type) {
    return new ProtocolException(ErrorCode.UNKNOWN_TYPE,
      "unknown type '" + (type.length() > 64 ? type.substring(0, 64) + "..." : type) + "'");
  }

  /**
   * Decodes and checks one client text frame of protocol v1 ({@code docs/protocol.md}).
   *
   * <p>A signaling frame ({@code offer}, {@code answer}, {@code ice-candidate}) is read by a streaming parser (strict
   * RFC 8259 JSON: a comment is {@code malformed-json}, since the frame's text is passed on) and
   * never built into objects: its members other than {@code type}, {@code to}, {@code from}, {@code room} and
   * {@code seq} (the SDP or ICE candidate in {@code data}, and anything else the client added) are kept as the
   * exact text the client wrote, for {@link #routed}. The whole frame is still checked to be one well-formed JSON
   * object. {@code join} and {@code leave}, rare, are parsed in full.
   *
   * @return an {@link Inbound.Join}, {@link Inbound.Leave} or {@link Inbound.Signal}
   * @throws ProtocolException {@code malformed-json}, {@code missing-field}, {@code invalid-field} (a field of the
   *     wrong JSON type, or nesting deeper than {@link #MAX_DEPTH}), {@code unknown-type} or {@code invalid-id}
   */
  public static Inbound decode(String text) {
    Scan scan = scan(text);
    if (scan.tooDeep) {
      throw tooDeep();
    }
    if (scan.type == null) {
      throw new ProtocolException(ErrorCode.MISSING_FIELD, "missing field 'type'");
    }
    if (!(scan.type instanceof String t)) {
      throw new ProtocolException(ErrorCode.INVALID_FIELD, "field 'type' must be a string");
    }
    switch (t) {
      case MessageType.JOIN -> {
        return join(parse(text));
      }
      case MessageType.LEAVE -> {
        return new Inbound.Leave();
      }
      case MessageType.OFFER, MessageType.ANSWER, MessageType.ICE_CANDIDATE -> {
        if (scan.to != null && !(scan.to instanceof String)) {
          throw new ProtocolException(ErrorCode.INVALID_FIELD, "field 'to' must be a string");
        }
        String to = (String) scan.to;
        if (to != null) {
          Ids.require(to, "to");
        }
        if (!scan.hasData) {
          throw new ProtocolException(ErrorCode.MISSING_FIELD, "missing field 'data'");
        }
        return new Inbound.Signal(t, to, scan.members);
      }
      default -> throw unknownType(t);
    }
  }

  private static Inbound.Join join(JsonObject frame) {
    String room = requireString(frame, "room", true);
    Object value = frame.getValue("data");
    if (value != null && !(value instanceof JsonObject)) {
      throw new ProtocolException(ErrorCode.INVALID_FIELD, "field 'data' must be an object");
    }
    JsonObject data = (JsonObject) value;
    if (data == null) {
      return new Inbound.Join(room, null, null, -1);
    }
    Object received = data.getValue("received");
    if (received != null && !(received instanceof Number n && n.longValue() >= 0 && n.doubleValue() == n.longValue())) {
      throw new ProtocolException(ErrorCode.INVALID_FIELD, "field 'data.received' must be a non-negative integer");
    }
    return new Inbound.Join(room, requireString(data, "id", false), requireString(data, "resume", false),
      received == null ? -1 : ((Number) received).longValue());
  }

  /**
   * What {@link #scan} found at the top level of a frame: the last {@code type} and {@code to} (a {@code String}, or
   * a marker object when of another JSON type; {@code null} when absent or JSON {@code null}), whether a non-null
   * {@code data} is there, and the text of the members passed on.
   */
  private static final class Scan {
    static final Object NOT_A_STRING = new Object();
    Object type;
    Object to;
    boolean hasData;
    boolean tooDeep;
    /** The members passed on, comma-separated; most frames have one ({@code data}), taken as one substring. */
    String members = "";

    /** Adds {@code text[start, end)}, one member and what follows it up to the next token, without the separator. */
    void passOn(String text, int start, int end) {
      while (end > start && (text.charAt(end - 1) <= ' ' || text.charAt(end - 1) == ',')) {
        end--; // JSON whitespace and the comma between members (a value never ends in either)
      }
      String member = text.substring(start, end);
      members = members.isEmpty() ? member : members + "," + member;
    }
  }

  /**
   * Jackson's defaults: JSON as RFC 8259 has it. Vert.x's own factory (behind {@code new JsonObject(text)}) also takes
   * comments, which a frame passed on as text must not carry: the recipient's {@code JSON.parse} refuses them.
   */
  private static final JsonFactory STRICT_JSON = new JsonFactory();

  /**
   * One pass of a streaming parser over {@code text}; string values other than {@code type} and {@code to} are
   * skipped (checked, not built).
   */
  private static Scan scan(String text) {
    Scan scan = new Scan();
    try (JsonParser parser = STRICT_JSON.createParser(text)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw malformed();
      }
      JsonToken token = parser.nextToken();
      while (token == JsonToken.FIELD_NAME) {
        String name = parser.currentName();
        int start = (int) parser.currentTokenLocation().getCharOffset();
        JsonToken value = parser.nextToken();
        boolean passedOn = false;
        switch (name) {
          case "type" -> scan.type = value == JsonToken.VALUE_STRING ? parser.getText() : nonNull(value);
          case "to" -> scan.to = value == JsonToken.VALUE_STRING ? parser.getText() : nonNull(value);
          case "from", "room", "seq" -> {
            // written by the hub
          }
          case "data" -> {
            scan.hasData = value != JsonToken.VALUE_NULL;
            passedOn = true;
          }
          default -> passedOn = true;
        }
        scan.tooDeep |= skipValue(parser, value);
        token = parser.nextToken(); // the next member's name, or the end of the object (Jackson throws at the end of input)
        if (passedOn) {
          scan.passOn(text, start, (int) parser.currentTokenLocation().getCharOffset());
        }
      }
      if (token != JsonToken.END_OBJECT || parser.nextToken() != null) {
        throw malformed();
      }
    } catch (IOException e) {
      throw malformed();
    }
    return scan;
  }

  private static Object nonNull(JsonToken value) {
    return value == JsonToken.VALUE_NULL ? null : Scan.NOT_A_STRING;
  }

  /**
   * Moves {@code parser} past the value whose first token is {@code first}, a member of the frame (level 1, as
   * in {@link #parse}'s depth check); whether it nests deeper than {@link #MAX_DEPTH}.
   */
  private static boolean skipValue(JsonParser parser, JsonToken first) throws IOException {
    if (first != JsonToken.START_OBJECT && first != JsonToken.START_ARRAY) {
      return false;
    }
    int open = 1; // containers open inside the value
    boolean tooDeep = false;
    while (open > 0) {
      JsonToken token = parser.nextToken();
      if (token == null) {
        throw malformed();
      }
      if (token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY) {
        open++;
        tooDeep |= open > MAX_DEPTH;
      } else if (token == JsonToken.END_OBJECT || token == JsonToken.END_ARRAY) {
        open--;
      } else if (token != JsonToken.FIELD_NAME) {
        tooDeep |= open + 1 > MAX_DEPTH;
      }
    }
    return tooDeep;
  }

  /**
   * The frame the router delivers for a signal:
   * {@code {"type":type,"from":from,"room":room,"to":to,<members>}} ({@code to} left out for a room broadcast),
   * where {@code members} is {@link Inbound.Signal#members()} as the sender's dialect gave it. Nothing is escaped:
   * {@code type} is a {@link MessageType} name and {@code from}, {@code room} and {@code to} are checked ids
   * ({@link Ids}).
   */
  public static String routed(String type, String from, String room, String to, String members) {
    StringBuilder b = new StringBuilder(members.length() + 64 + from.length() + room.length());
    b.append("{\"type\":\"").append(type).append("\",\"from\":\"").append(from).append("\",\"room\":\"").append(room)
      .append('"');
    if (to != null) {
      b.append(",\"to\":\"").append(to).append('"');
    }
    if (!members.isEmpty()) {
      b.append(',').append(members);
    }
    return b.append('}').toString();
  }

  /**
   * The {@code from} of a frame {@link #routed} built, read without parsing it; {@code null} for any other frame
   * (a notice, an error).
   */
  public static String routedFrom(String frame) {
    if (!frame.startsWith("{\"type\":\"")) {
      return null;
    }
    int typeEnd = frame.indexOf('"', 9);
    if (typeEnd < 0 || !frame.startsWith("\",\"from\":\"", typeEnd)) {
      return null;
    }
    int start = typeEnd + 10;
    int end = frame.indexOf('"', start);
    return end < 0 ? null : frame.substring(start, end);
  }

  /** The {@code type} of a frame {@link #routed} built (or any frame that begins with its type), else {@code null}. */
  public static String routedType(String frame) {
    if (!frame.startsWith("{\"type\":\"")) {
      return null;
    }
    int end = frame.indexOf('"', 9);
    return end < 0 ? null : frame.substring(9, end);
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
