package io.signalhub.protocol;

import io.vertx.core.json.JsonArray;

import java.util.List;

/**
 * One client dialect: a codec between a client's frames and the hub's one internal message, the
 * protocol-v1 shape {@code {type, room, from, to?, data}} (see {@code docs/protocol.md}, "Dialects").
 * Rooms, routing, presence and holding only ever see the internal shape. Instances are stateless and
 * shared.
 */
public interface Dialect {

  /** The name used in {@code ?protocol=}: {@code v1}, {@code simplepeer}, {@code privatemeet}, {@code mdn}. */
  String name();

  /**
   * Decodes one client text frame.
   *
   * @throws ProtocolException with the code and the name of the offending field
   */
  Inbound decode(String text);

  /**
   * The frame to write to this dialect's client for an internal frame ({@code canonical}, v1 JSON text
   * made by the hub), or {@code null} when this dialect has no such message. {@code self} is the
   * recipient's own id. Never throws; {@code error} frames pass through in the v1 shape.
   */
  String render(String canonical, String self);

  /**
   * The frame telling the client it joined, or {@code null} when the dialect has none.
   *
   * @param extra more fields for the welcome's {@code data}: {@code iceServers} (TURN servers with
   *     credentials), {@code resumeToken}, {@code resumed}
   */
  String welcome(String room, String id, List<String> peers, io.vertx.core.json.JsonObject extra);

  /** The reply to a leave, or {@code null} when the dialect has none. */
  String left(String room);

  /**
   * {@code rendered} numbered with {@code seq} (1, 2, ... per session, across resumes), for a client that
   * resumes to say which frames it got; dialects whose clients cannot resume return it unchanged.
   */
  default String withSeq(String rendered, long seq) {
    return rendered;
  }

  /** Whether {@link #withSeq} numbers frames, so the hub keeps recent frames for a resume's replay. */
  default boolean numbersFrames() {
    return false;
  }

  /** Whether the dialect carries peer ids, so a client can address {@code to}; MDN clients cannot. */
  default boolean addressesPeers() {
    return true;
  }
}
