package io.signalhub.protocol;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * The MDN-style dialect of seed 003 (demoapp): {@code {"type":"offer"|"answer","sdp":<RTCSessionDescription>}}
 * and {@code {"type":"new-ice-candidate","candidate":<RTCIceCandidate>}}, with no ids and no {@code to}:
 * every message goes to the other peer(s) of the room named by {@code ?roomId=}.
 */
public final class MdnDialect implements Dialect {

  public static final MdnDialect INSTANCE = new MdnDialect();
  /** The MDN type of an ICE candidate. */
  public static final String NEW_ICE_CANDIDATE = "new-ice-candidate";

  private MdnDialect() {
  }

  @Override
  public String name() {
    return "mdn";
  }

  /** Whether {@code frame} looks like an MDN frame: an offer/answer with a top-level {@code sdp}, or a candidate. */
  static boolean matches(JsonObject frame) {
    String type = frame.getValue("type") instanceof String t ? t : "";
    return ((MessageType.OFFER.equals(type) || MessageType.ANSWER.equals(type)) && frame.containsKey("sdp"))
      || NEW_ICE_CANDIDATE.equals(type);
  }

  @Override
  public Inbound decode(String text) {
    JsonObject frame = Frames.parse(text);
    String type = Frames.requireString(frame, "type", true);
    return switch (type) {
      case MessageType.OFFER, MessageType.ANSWER -> Inbound.Signal.withData(type, null, Frames.requireObject(frame, "sdp", true));
      case NEW_ICE_CANDIDATE -> Inbound.Signal.withData(MessageType.ICE_CANDIDATE, null,
        Frames.requireObject(frame, "candidate", true));
      default -> throw Frames.unknownType(type);
    };
  }

  @Override
  public String render(String canonical, String self) {
    JsonObject in = new JsonObject(canonical);
    String type = in.getString("type");
    return switch (type) {
      case MessageType.OFFER, MessageType.ANSWER -> new JsonObject().put("type", type).put("sdp", in.getValue("data")).encode();
      case MessageType.ICE_CANDIDATE -> new JsonObject().put("type", NEW_ICE_CANDIDATE).put("candidate", in.getValue("data")).encode();
      case MessageType.ERROR -> canonical;
      default -> null;
    };
  }

  @Override
  public String welcome(String room, String id, List<String> peers, JsonObject extra) {
    return null;
  }

  @Override
  public String left(String room) {
    return null;
  }

  @Override
  public boolean addressesPeers() {
    return false;
  }
}
