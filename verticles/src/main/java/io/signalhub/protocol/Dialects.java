package io.signalhub.protocol;

import io.vertx.core.json.JsonObject;

/** The dialects the hub speaks, and how a connection's dialect is told (see {@code docs/protocol.md}). */
public final class Dialects {

  private Dialects() {
  }

  /**
   * The dialect named in {@code ?protocol=}.
   *
   * @throws ProtocolException {@code invalid-field} for an unknown name
   */
  public static Dialect named(String name) {
    return switch (name) {
      case "v1" -> V1Dialect.INSTANCE;
      case "simplepeer" -> SimplePeerDialect.INSTANCE;
      case "privatemeet" -> PrivateMeetDialect.INSTANCE;
      case "mdn" -> MdnDialect.INSTANCE;
      default -> throw new ProtocolException(ErrorCode.INVALID_FIELD,
        "query parameter 'protocol' must be v1, simplepeer, privatemeet or mdn");
    };
  }

  /**
   * The dialect a connection's first frame belongs to: {@code hello} is SimplePeer, {@code room.*} /
   * {@code webrtc.*} Private Meet, an offer/answer with a top-level {@code sdp} or a
   * {@code new-ice-candidate} MDN, anything else v1.
   *
   * @throws ProtocolException {@code malformed-json} or {@code missing-field} when the frame says nothing
   */
  public static Dialect detect(String text) {
    JsonObject frame = Frames.parse(text);
    Frames.requireString(frame, "type", true);
    if (SimplePeerDialect.HELLO.equals(frame.getString("type"))) {
      return SimplePeerDialect.INSTANCE;
    }
    if (PrivateMeetDialect.matches(frame)) {
      return PrivateMeetDialect.INSTANCE;
    }
    if (MdnDialect.matches(frame)) {
      return MdnDialect.INSTANCE;
    }
    return V1Dialect.INSTANCE;
  }
}
