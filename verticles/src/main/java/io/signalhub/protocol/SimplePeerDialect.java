package io.signalhub.protocol;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * The SimplePeer hello/signal dialect of seed 000: {@code {"type":"hello","id"}} registers the id, and
 * {@code {"type":"signal","id":<sender>,"to":<recipient>,"data":<SimplePeer signal>}} is delivered in the
 * same shape with {@code id} stamped by the hub and {@code data} as written. Signals map to the internal
 * types: {@code {type:"offer"|"answer",sdp}} to offer/answer, {@code {type:"candidate",candidate}} to an ICE
 * candidate ({@code candidate}), anything else (renegotiate, transceiverRequest) to the opaque
 * {@value MessageType#SIGNAL}.
 */
public final class SimplePeerDialect implements Dialect {

  public static final SimplePeerDialect INSTANCE = new SimplePeerDialect();
  /** The registration frame type. */
  public static final String HELLO = "hello";
  private static final String CANDIDATE = "candidate";

  private SimplePeerDialect() {
  }

  @Override
  public String name() {
    return "simplepeer";
  }

  @Override
  public Inbound decode(String text) {
    JsonObject frame = Frames.parse(text);
    String type = Frames.requireString(frame, "type", true);
    switch (type) {
      case HELLO:
        return new Inbound.Hello(Ids.require(Frames.requireString(frame, "id", true), "id"));
      case MessageType.SIGNAL: {
        String to = Ids.require(Frames.requireString(frame, "to", true), "to");
        JsonObject data = Frames.requireObject(frame, "data", true);
        String kind = data.getValue("type") instanceof String k ? k : "";
        if (MessageType.OFFER.equals(kind) || MessageType.ANSWER.equals(kind)) {
          return Inbound.Signal.withData(kind, to, data);
        }
        if (CANDIDATE.equals(kind)) {
          JsonObject candidate = Frames.requireObject(data, "candidate", true);
          return Inbound.Signal.withData(MessageType.ICE_CANDIDATE, to, candidate);
        }
        return Inbound.Signal.withData(MessageType.SIGNAL, to, data);
      }
      default:
        throw Frames.unknownType(type);
    }
  }

  @Override
  public String render(String canonical, String self) {
    JsonObject in = new JsonObject(canonical);
    String type = in.getString("type");
    Object data = switch (type) {
      case MessageType.OFFER, MessageType.ANSWER, MessageType.SIGNAL -> in.getValue("data");
      case MessageType.ICE_CANDIDATE -> new JsonObject().put("type", CANDIDATE).put("candidate", in.getValue("data"));
      case MessageType.ERROR -> null;
      default -> null;
    };
    if (MessageType.ERROR.equals(type)) {
      return canonical;
    }
    if (data == null) {
      return null;
    }
    return new JsonObject().put("type", MessageType.SIGNAL).put("id", in.getString("from"))
      .put("to", in.getString("to", self)).put("data", data).encode();
  }

  @Override
  public String welcome(String room, String id, List<String> peers, JsonObject extra) {
    return null;
  }

  @Override
  public String left(String room) {
    return null;
  }
}
