package io.signalhub.protocol;

import io.vertx.core.json.JsonObject;

import java.util.List;

/** Protocol v1, the shape of the Go room hub's protocol (seed document 004) and the hub's internal shape: frames pass through unchanged. */
public final class V1Dialect implements Dialect {

  public static final V1Dialect INSTANCE = new V1Dialect();

  private V1Dialect() {
  }

  @Override
  public String name() {
    return "v1";
  }

  @Override
  public Inbound decode(String text) {
    return Frames.decode(text);
  }

  @Override
  public String render(String canonical, String self) {
    return canonical;
  }

  @Override
  public boolean numbersFrames() {
    return true;
  }

  /** {@code {"seq":n,...}}: the frame's text with {@code seq} put first (no parse; the hub writes objects). */
  @Override
  public String withSeq(String rendered, long seq) {
    return rendered.startsWith("{") ? "{\"seq\":" + seq + "," + rendered.substring(1) : rendered;
  }

  @Override
  public String welcome(String room, String id, List<String> peers, JsonObject extra) {
    return Frames.welcome(room, id, peers, extra);
  }

  @Override
  public String left(String room) {
    return Frames.left(room);
  }
}
