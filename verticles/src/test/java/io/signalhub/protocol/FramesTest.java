package io.signalhub.protocol;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Decoding of client frames: each refusal carries the code and names the field documented in docs/protocol.md. */
class FramesTest {

  private static ErrorCode refusal(String text) {
    return assertThrows(ProtocolException.class, () -> Frames.decode(text)).code();
  }

  @Test
  void seed004FramesDecodeWithDataUntouched() {
    String text = "{\"type\":\"offer\",\"from\":\"peerA\",\"to\":\"peerB\",\"data\":{\"type\":\"offer\",\"sdp\":\"v=0\\r\\n\"}}";
    JsonObject frame = Frames.decode(text);
    assertEquals("peerB", frame.getString("to"));
    assertEquals(new JsonObject().put("type", "offer").put("sdp", "v=0\r\n"), frame.getJsonObject("data"));
  }

  @Test
  void badFramesAreRefusedWithTheirCode() {
    assertEquals(ErrorCode.MALFORMED_JSON, refusal("nope"));
    assertEquals(ErrorCode.MALFORMED_JSON, refusal("[]"));
    assertEquals(ErrorCode.MALFORMED_JSON, refusal("\"offer\""));
    assertEquals(ErrorCode.MISSING_FIELD, refusal("{}"));
    assertEquals(ErrorCode.INVALID_FIELD, refusal("{\"type\":7}"));
    assertEquals(ErrorCode.UNKNOWN_TYPE, refusal("{\"type\":\"OFFER\"}"));
    assertEquals(ErrorCode.MISSING_FIELD, refusal("{\"type\":\"join\"}"));
    assertEquals(ErrorCode.INVALID_FIELD, refusal("{\"type\":\"join\",\"room\":\"r\",\"data\":\"x\"}"));
    assertEquals(ErrorCode.MISSING_FIELD, refusal("{\"type\":\"answer\",\"to\":\"b\"}"));
    assertEquals(ErrorCode.INVALID_FIELD, refusal("{\"type\":\"answer\",\"to\":[],\"data\":{}}"));
    assertEquals(ErrorCode.INVALID_ID, refusal("{\"type\":\"answer\",\"to\":\"peer.b\",\"data\":{}}"));
  }

  @Test
  void idsAreSafeForEventBusAddresses() {
    assertTrue(Ids.isValid("peerA"));
    assertTrue(Ids.isValid("a_b-C9"));
    assertTrue(Ids.isValid(Ids.random()));
    assertFalse(Ids.isValid("a.b"));
    assertFalse(Ids.isValid("a b"));
    assertFalse(Ids.isValid("a\u0000"));
    assertFalse(Ids.isValid("é"));
    assertFalse(Ids.isValid("x".repeat(Ids.MAX_LENGTH + 1)));
    assertFalse(Ids.isValid(""));
    assertFalse(Ids.isValid(null));
  }
}
