package io.signalhub.protocol;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fuzz tests of the frame decoding of every dialect ({@code docs/protocol.md}, "Dialects"): whatever text a
 * client sends, {@link Dialects#detect} and {@link Dialect#decode} either give an answer or refuse it with a
 * {@link ProtocolException} (a code, and a short non-empty message); an id that decoding hands on is valid (ids
 * become event-bus addresses); and what a decoded signal turns into for the other peers (the router's canonical
 * text, then {@link Dialect#render} of each dialect) is valid JSON and never throws.
 *
 * <p>Without {@code JAZZER_FUZZ}, {@code mvn test} only replays the committed corpus, one invocation per file plus
 * the empty input: the files directly in {@code src/test/resources/io/signalhub/protocol/DialectFuzzTestInputs/}
 * (for every method) and everything under its {@code <method>/} directory (for that method). {@code <method>/bugs/}
 * holds inputs that once broke a property. To fuzz, one method per run (Jazzer fuzzes one test per JVM), for its
 * {@code maxDuration} of 60 s:
 *
 * <pre>
 * cd verticles &amp;&amp; JAZZER_FUZZ=1 mvn -o test -Dtest='DialectFuzzTest#v1' -Djazzer.hooks=true
 * </pre>
 *
 * <p>{@code -Djazzer.hooks=true} undoes the {@code jazzer.hooks=false} of {@code junit-platform.properties}, which
 * keeps Jazzer's agent out of the replay; without it libFuzzer runs blind ("no interesting inputs were found so far.
 * Is the code instrumented for coverage?").
 *
 * <p>libFuzzer starts from the {@code <method>/} directory and the generated corpus,
 * {@code verticles/.cifuzz-corpus/io.signalhub.protocol.DialectFuzzTest/<method>/} (not to be committed; copy the
 * shared files into it to start from them too). A finding is written as {@code <method>/crash-<sha1>} next to the
 * corpus, so it replays in {@code mvn test} from then on.
 */
class DialectFuzzTest {

  private static final List<Dialect> ALL = List.of(V1Dialect.INSTANCE, SimplePeerDialect.INSTANCE,
    PrivateMeetDialect.INSTANCE, MdnDialect.INSTANCE);
  private static final Set<String> SIGNAL_TYPES =
    Set.of(MessageType.OFFER, MessageType.ANSWER, MessageType.ICE_CANDIDATE, MessageType.SIGNAL);
  /** What the router stamps into a frame: the sender's id and room (valid ids, as the session checked them). */
  private static final String FROM = "sender_1";
  private static final String ROOM = "room-1";
  private static final String SELF = "self";
  private static final int MAX_MESSAGE_BYTES = 1024;
  private static final JsonFactory STRICT_JSON = new JsonFactory();

  @FuzzTest(maxDuration = "60s")
  void v1(FuzzedDataProvider data) {
    check(V1Dialect.INSTANCE, text(data));
  }

  @FuzzTest(maxDuration = "60s")
  void simplepeer(FuzzedDataProvider data) {
    check(SimplePeerDialect.INSTANCE, text(data));
  }

  @FuzzTest(maxDuration = "60s")
  void privatemeet(FuzzedDataProvider data) {
    check(PrivateMeetDialect.INSTANCE, text(data));
  }

  @FuzzTest(maxDuration = "60s")
  void mdn(FuzzedDataProvider data) {
    check(MdnDialect.INSTANCE, text(data));
  }

  /**
   * The input as the hub gets a text frame: its bytes decoded as UTF-8 (so corpus files are plain JSON text;
   * {@code consumeRemainingAsString} has its own decoding of bytes, which differs from UTF-8 outside the BMP).
   * Lone surrogates still come in, through JSON escapes.
   */
  private static String text(FuzzedDataProvider data) {
    return new String(data.consumeRemainingAsBytes(), StandardCharsets.UTF_8);
  }

  /** The session's path for a frame: the dialect detected from it (first frame), and the given dialect's decoding. */
  private static void check(Dialect dialect, String text) {
    Dialect detected = outcome(() -> Dialects.detect(text), "Dialects.detect", text);
    if (detected != null) {
      assertTrue(ALL.contains(detected), "detect gave an unknown dialect");
      if (detected != dialect) {
        decodeAndRender(detected, text);
      }
    }
    decodeAndRender(dialect, text);
  }

  private static void decodeAndRender(Dialect dialect, String text) {
    Inbound inbound = outcome(() -> dialect.decode(text), dialect.name() + ".decode", text);
    if (inbound == null) {
      return;
    }
    if (inbound instanceof Inbound.Join join) {
      // Decoding leaves a join's room and id to the session, which checks both with Ids.require before it
      // claims the id or joins the room (Session.join): they must pass that check or be refused by it.
      assertNotNull(join.room(), "join without a room");
      sessionCheck(join.room(), "room");
      if (join.id() != null) {
        sessionCheck(join.id(), "peer id");
      }
    } else if (inbound instanceof Inbound.InRoom in) {
      // a frame naming its room (Private Meet): the session checks the room as for a join, then routes the signal
      assertNotNull(in.room(), "frame in a room without a room");
      sessionCheck(in.room(), "room");
      if (in.signal() != null) {
        checkSignal(dialect, in.signal(), text);
      }
    } else if (inbound instanceof Inbound.Hello hello) {
      assertValidId(hello.id(), "hello id");
    } else if (inbound instanceof Inbound.Signal signal) {
      checkSignal(dialect, signal, text);
    } else {
      assertTrue(inbound instanceof Inbound.Leave, "unknown inbound " + inbound);
    }
  }

  private static void checkSignal(Dialect dialect, Inbound.Signal signal, String text) {
    assertTrue(SIGNAL_TYPES.contains(signal.type()), "signal type " + signal.type());
    if (signal.to() != null) {
      assertValidId(signal.to(), "signal to");
    }
    if (!dialect.addressesPeers()) {
      assertNull(signal.to(), dialect.name() + " signal with a 'to'");
    }
    assertNotNull(signal.members(), "signal without members");

    // What the router does with it (RouterVerticle#deliver), then each recipient's rendering (Session).
    String canonical = outcome(() -> Frames.routed(signal.type(), FROM, ROOM, signal.to(), signal.members()),
      "router frame of " + dialect.name() + " signal", text);
    assertNotNull(canonical, "router refused");
    assertJsonObject(canonical, "canonical text", text);
    JsonObject routed = new JsonObject(canonical);
    assertEquals(signal.type(), routed.getValue("type"), "routed type differs from the signal's");
    assertEquals(FROM, routed.getValue("from"), "routed from");
    assertEquals(ROOM, routed.getValue("room"), "routed room");
    assertEquals(signal.to(), routed.getValue("to"), "routed 'to' differs from the signal's");
    assertNotNull(routed.getValue("data"), "signal without data");
    if (dialect == V1Dialect.INSTANCE) {
      // v1 passes the frame's text on: the same JSON as parsing it and stamping the hub's members into it
      JsonObject expected = new JsonObject(text);
      expected.remove("seq");
      expected.put("from", FROM).put("room", ROOM);
      if (signal.to() == null) {
        expected.remove("to");
      }
      assertEquals(expected, routed, "routed frame of input " + preview(text));
    }
    renderEverywhere(canonical, text);
  }

  /** Every dialect's rendering of {@code canonical} never throws, and is null or a JSON object. */
  private static void renderEverywhere(String canonical, String input) {
    for (Dialect recipient : ALL) {
      String rendered;
      try {
        rendered = recipient.render(canonical, SELF);
      } catch (RuntimeException | StackOverflowError e) {
        throw new AssertionError(recipient.name() + ".render threw " + e + " for canonical " + preview(canonical)
          + " from input " + preview(input), e);
      }
      if (rendered != null) {
        assertJsonObject(rendered, recipient.name() + ".render", input);
      }
    }
  }

  /**
   * {@code call}'s result, or {@code null} when it throws a {@link ProtocolException}, which must carry a code
   * and a short message, and make a valid error frame in every dialect. Anything else it throws fails.
   */
  private static <T> T outcome(Callable<T> call, String what, String input) {
    T result;
    try {
      result = call.call();
    } catch (ProtocolException e) {
      checkRefusal(e, what, input);
      return null;
    } catch (Exception | StackOverflowError e) {
      throw new AssertionError(what + " threw " + e + " (not a ProtocolException) for input " + preview(input), e);
    }
    assertNotNull(result, what + " returned null for input " + preview(input));
    return result;
  }

  private static void checkRefusal(ProtocolException e, String what, String input) {
    assertNotNull(e.code(), what + " refused without a code, input " + preview(input));
    String message = e.getMessage();
    assertNotNull(message, what + " refused without a message");
    assertTrue(!message.isEmpty(), what + " refused with an empty message");
    int bytes = message.getBytes(StandardCharsets.UTF_8).length;
    assertTrue(bytes < MAX_MESSAGE_BYTES, what + " refused with a message of " + bytes + " bytes: " + preview(message));
    // the session sends it as an error frame, which every dialect passes on as is
    String error = Frames.error(e.code(), message, null);
    assertJsonObject(error, "error frame", input);
    renderEverywhere(error, input);
  }

  /** What {@code Ids.require} (the session's check) does with {@code id}: accept a valid id or refuse with invalid-id. */
  private static void sessionCheck(String id, String what) {
    try {
      assertEquals(id, Ids.require(id, what));
      assertValidId(id, what);
    } catch (ProtocolException e) {
      assertEquals(ErrorCode.INVALID_ID, e.code(), "Ids.require refused with " + e.code());
      assertTrue(!Ids.isValid(id), "Ids.require refused a valid id");
      checkRefusal(e, "Ids.require", id);
    }
  }

  private static void assertValidId(String id, String what) {
    assertTrue(Ids.isValid(id), what + " is not a valid id: " + preview(id));
  }

  /**
   * {@code text} is one JSON object as RFC 8259 has it (what a browser's {@code JSON.parse} takes: no comments, no
   * trailing data), checked with Jackson's strict defaults rather than Vert.x's lenient parser.
   */
  private static void assertJsonObject(String text, String what, String input) {
    try (JsonParser parser = STRICT_JSON.createParser(text)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException("not an object");
      }
      parser.skipChildren();
      if (parser.nextToken() != null) {
        throw new IOException("trailing data");
      }
    } catch (IOException e) {
      throw new AssertionError(what + " is not a JSON object: " + preview(text) + " (input " + preview(input) + ")", e);
    }
  }


  private static String preview(String s) {
    return s == null ? "null" : s.length() > 200 ? s.substring(0, 200) + "...(" + s.length() + " chars)" : s;
  }
}
