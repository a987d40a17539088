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
   * @param iceServers TURN servers with credentials for this peer ({@code RTCIceServer} objects), possibly empty
   */
  String welcome(String room, String id, List<String> peers, JsonArray iceServers);

  /** The reply to a leave, or {@code null} when the dialect has none. */
  String left(String room);

  /** Whether the dialect carries peer ids, so a client can address {@code to}; MDN clients cannot. */
  default boolean addressesPeers() {
    return true;
  }
}
