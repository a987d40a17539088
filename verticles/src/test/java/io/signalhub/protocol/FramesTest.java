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
    Inbound.Signal signal = (Inbound.Signal) Frames.decode(text);
    assertEquals("offer", signal.type());
    assertEquals("peerB", signal.to());
    assertEquals("\"data\":{\"type\":\"offer\",\"sdp\":\"v=0\\r\\n\"}", signal.members());
  }

  @Test
  void routedFramesKeepTheClientsTextAndStampTheHubsMembers() {
    // whitespace, member order, escapes and numbers as written; a client's from/room/seq replaced by the hub's
    String text = " { \"seq\" : 9 , \"data\" : {\"candidate\":\"a\\u003d1\",\"sdpMLineIndex\":0 } ,\"type\":\"ice-candidate\","
      + "\"x\":[1.50, {\"y\":null}] ,\"from\":\"mallory\",\"room\":\"other\", \"to\":\"peerB\" } ";
    Inbound.Signal signal = (Inbound.Signal) Frames.decode(text);
    assertEquals("\"data\" : {\"candidate\":\"a\\u003d1\",\"sdpMLineIndex\":0 },\"x\":[1.50, {\"y\":null}]", signal.members());
    String routed = Frames.routed(signal.type(), "peerA", "r1", signal.to(), signal.members());
    assertEquals("{\"type\":\"ice-candidate\",\"from\":\"peerA\",\"room\":\"r1\",\"to\":\"peerB\","
      + "\"data\" : {\"candidate\":\"a\\u003d1\",\"sdpMLineIndex\":0 },\"x\":[1.50, {\"y\":null}]}", routed);
    assertEquals("{\"type\":\"offer\",\"from\":\"peerA\",\"room\":\"r1\",\"data\":{}}",
      Frames.routed("offer", "peerA", "r1", null, ((Inbound.Signal) Frames.decode("{\"type\":\"offer\",\"data\":{}}")).members()));
  }

  @Test
  void joinCarriesItsIdAndResume() {
    Inbound.Join join = (Inbound.Join) Frames.decode(
      "{\"type\":\"join\",\"room\":\"r1\",\"data\":{\"id\":\"peerA\",\"resume\":\"tok\",\"received\":12}}");
    assertEquals(new Inbound.Join("r1", "peerA", "tok", 12), join);
    assertEquals(new Inbound.Join("r1", null, null, -1), Frames.decode("{\"type\":\"join\",\"room\":\"r1\"}"));
    assertEquals(ErrorCode.INVALID_FIELD, refusal("{\"type\":\"join\",\"room\":\"r1\",\"data\":{\"received\":-1}}"));
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
    assertEquals(ErrorCode.MISSING_FIELD, refusal("{\"type\":\"answer\",\"data\":null}"));
    assertEquals(ErrorCode.MALFORMED_JSON, refusal("{\"type\":\"offer\",\"data\":{}} {}"));
    // comments would be passed on to recipients whose JSON.parse refuses them
    assertEquals(ErrorCode.MALFORMED_JSON, refusal("{\"type\":\"offer\",\"data\":{}/*x*/}"));
    assertEquals(ErrorCode.MALFORMED_JSON, refusal("{\"type\":\"offer\",\"data\":{}//x\n}"));
    assertEquals(ErrorCode.MALFORMED_JSON, refusal("{\"type\":\"offer\",\"data\":{\"sdp\":\"a\u0001\"}}"));
    assertEquals(ErrorCode.MALFORMED_JSON, refusal("{\"type\":\"offer\",\"data\":{\"sdp\":\"\\q\"}}"));
    assertEquals(ErrorCode.MALFORMED_JSON, refusal("{\"type\":\"offer\",\"data\":{\"sdp\":\"v=0"));
    String deep = "[".repeat(Frames.MAX_DEPTH + 1) + "]".repeat(Frames.MAX_DEPTH + 1); // data is at level 1
    assertEquals(ErrorCode.INVALID_FIELD, refusal("{\"type\":\"offer\",\"data\":" + deep + "}"));
    String deepest = "[".repeat(Frames.MAX_DEPTH) + "]".repeat(Frames.MAX_DEPTH);
    assertEquals("offer", ((Inbound.Signal) Frames.decode("{\"type\":\"offer\",\"data\":" + deepest + "}")).type());
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

  @Test
  void theSenderOfARoutedFrameIsReadWithoutParsing() {
    String routed = Frames.routed("ice-candidate", "peerA", "r1", "peerB", "\"data\":{\"from\":\"x\",\"n\":1}");
    assertEquals("peerA", Frames.routedFrom(routed));
    assertEquals("ice-candidate", Frames.routedType(routed));
    assertEquals(null, Frames.routedFrom(Frames.peerJoined("r1", "peerA")));
    assertEquals(null, Frames.routedFrom(Frames.error(ErrorCode.EXPIRED, "m", "offer", "peerB")));
    assertEquals(null, Frames.routedFrom("{\"type\":\"offer\",\"data\":{\"x\":\"\",\"from\":\"spoofed\"}}"));
  }
}
