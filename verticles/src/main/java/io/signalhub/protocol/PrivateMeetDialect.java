package io.signalhub.protocol;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * The Private Meet dialect of seed 001: frames {@code {type, room?, data, from?}}; {@code webrtc.offer} /
 * {@code webrtc.answer} with {@code data: {sdp, to}}, {@code webrtc.iceCandidate} with
 * {@code data: {candidate, to}}; room events {@code room.join} / {@code room.leave} from the client and
 * {@code room.joined} / {@code room.peerJoined} / {@code room.peerLeft} / {@code room.left} to it (names
 * chosen by the hub; the document leaves them unnamed). The peer id is the {@code sub} of the connection's
 * JWT.
 *
 * <p>The document shows {@code room} on every frame and names no join frame, so its frames decode to
 * {@link Inbound.InRoom}: {@code room.join} (idempotent for the room the connection is in) and a {@code webrtc.*}
 * frame that carries {@code room} (joins that room first when the connection is in none, then is routed). A
 * {@code webrtc.*} frame without {@code room} is a plain {@link Inbound.Signal} (routed in the connection's room,
 * {@code not-joined} in none). A connection whose JWT has a {@code room} claim is joined to it at connect
 * ({@code Opening}). docs/protocol.md, "Private Meet".
 */
public final class PrivateMeetDialect implements Dialect {

  public static final PrivateMeetDialect INSTANCE = new PrivateMeetDialect();
  public static final String OFFER = "webrtc.offer";
  public static final String ANSWER = "webrtc.answer";
  public static final String ICE_CANDIDATE = "webrtc.iceCandidate";
  public static final String ROOM_JOIN = "room.join";
  public static final String ROOM_LEAVE = "room.leave";
  public static final String ROOM_JOINED = "room.joined";
  public static final String ROOM_PEER_JOINED = "room.peerJoined";
  public static final String ROOM_PEER_LEFT = "room.peerLeft";
  public static final String ROOM_LEFT = "room.left";

  private PrivateMeetDialect() {
  }

  @Override
  public String name() {
    return "privatemeet";
  }

  /** Whether {@code frame}'s type belongs to this dialect. */
  static boolean matches(JsonObject frame) {
    return frame.getValue("type") instanceof String t && (t.startsWith("webrtc.") || t.startsWith("room."));
  }

  @Override
  public Inbound decode(String text) {
    JsonObject frame = Frames.parse(text);
    String type = Frames.requireString(frame, "type", true);
    switch (type) {
      case ROOM_JOIN:
        return new Inbound.InRoom(Frames.requireString(frame, "room", true), null);
      case ROOM_LEAVE:
        return new Inbound.Leave();
      case OFFER:
      case ANSWER:
      case ICE_CANDIDATE:
        return inRoom(Frames.requireString(frame, "room", false), signal(type, frame));
      default:
        throw Frames.unknownType(type);
    }
  }

  /** A {@code webrtc.*} frame's signal, in the room it names ({@code null}: none, the connection's room). */
  private static Inbound inRoom(String room, Inbound.Signal signal) {
    return room == null ? signal : new Inbound.InRoom(room, signal);
  }

  private static Inbound.Signal signal(String type, JsonObject frame) {
    JsonObject data = Frames.requireObject(frame, "data", true);
    if (ICE_CANDIDATE.equals(type)) {
      Frames.requireString(data, "candidate", true);
      String to = Ids.require(Frames.requireString(data, "to", true), "data.to");
      JsonObject candidate = data.copy();
      candidate.remove("to");
      return Inbound.Signal.withData(MessageType.ICE_CANDIDATE, to, candidate);
    }
    String sdp = Frames.requireString(data, "sdp", true);
    String to = Ids.require(Frames.requireString(data, "to", true), "data.to");
    String kind = OFFER.equals(type) ? MessageType.OFFER : MessageType.ANSWER;
    return Inbound.Signal.withData(kind, to, new JsonObject().put("type", kind).put("sdp", sdp));
  }

  @Override
  public String render(String canonical, String self) {
    JsonObject in = new JsonObject(canonical);
    String type = in.getString("type");
    String room = in.getString("room");
    String from = in.getString("from");
    String to = in.getString("to", self);
    JsonObject data = in.getValue("data") instanceof JsonObject d ? d : new JsonObject();
    return switch (type) {
      case MessageType.OFFER, MessageType.ANSWER -> data.getValue("sdp") instanceof String sdp
        ? frame(MessageType.OFFER.equals(type) ? OFFER : ANSWER, room, from, new JsonObject().put("sdp", sdp).put("to", to))
        : null; // a description without an SDP string has no Private Meet form
      case MessageType.ICE_CANDIDATE -> frame(ICE_CANDIDATE, room, from, data.copy().put("to", to));
      case MessageType.PEER_JOINED -> frame(ROOM_PEER_JOINED, room, data.getString("id"), data);
      case MessageType.PEER_LEFT -> frame(ROOM_PEER_LEFT, room, data.getString("id"), data);
      case MessageType.ERROR -> canonical;
      default -> null;
    };
  }

  private static String frame(String type, String room, String from, JsonObject data) {
    JsonObject out = new JsonObject().put("type", type).put("room", room).put("data", data);
    if (from != null) {
      out.put("from", from);
    }
    return out.encode();
  }

  @Override
  public String welcome(String room, String id, List<String> peers, JsonObject extra) {
    JsonObject data = new JsonObject().put("id", id).put("peers", new JsonArray(List.copyOf(peers))).mergeIn(extra);
    return new JsonObject().put("type", ROOM_JOINED).put("room", room).put("data", data).encode();
  }

  @Override
  public String left(String room) {
    return new JsonObject().put("type", ROOM_LEFT).put("room", room).encode();
  }
}
