package io.signalhub.verticles.impl;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The frames a resume replays come back exactly as written, in order, however they were added and acknowledged. */
class UnackedFramesTest {

  @Test
  void framesComeBackExactlyAndInOrderAcrossAcknowledgementsAndGrowth() {
    UnackedFrames frames = new UnackedFrames();
    List<String> model = new ArrayList<>();
    long bytes = 0;
    // sizes that make the buffer compact and grow, and the length ring wrap and grow; non-ASCII text on the way
    for (int i = 0; i < 2000; i++) {
      String frame = "{\"type\":\"offer\",\"n\":" + i + ",\"sdp\":\"" + "é€😀a".repeat(i % 97) + "\"}";
      frames.add(frame);
      model.add(frame);
      bytes += frame.getBytes(StandardCharsets.UTF_8).length;
      int acknowledge = i % 7 == 0 ? 5 : i % 3 == 0 ? 1 : 0;
      for (int k = 0; k < acknowledge && !model.isEmpty(); k++) {
        frames.removeFirst();
        bytes -= model.remove(0).getBytes(StandardCharsets.UTF_8).length;
      }
      assertEquals(model.size(), frames.size());
      assertEquals(bytes, frames.byteSize(), "bytes are counted in UTF-8");
      if (i % 101 == 0) {
        assertEquals(model, frames.from(0));
        assertEquals(model.subList(model.size() / 2, model.size()), frames.from(model.size() / 2));
      }
    }
    assertEquals(model, frames.from(0));
  }

  @Test
  void anEmptyOrReleasedBufferHoldsNoPooledMemoryAndDropsLaterFrames() {
    UnackedFrames frames = new UnackedFrames();
    assertFalse(frames.holdsBuffer());
    frames.add("{\"a\":1}");
    frames.add("{\"b\":2}");
    assertTrue(frames.holdsBuffer());
    frames.removeFirst();
    assertTrue(frames.holdsBuffer());
    frames.removeFirst();
    assertFalse(frames.holdsBuffer(), "all acknowledged: the buffer goes back to the pool");
    frames.removeFirst(); // nothing kept: nothing happens
    assertEquals(0, frames.size());

    frames.add("{\"c\":3}");
    frames.clear();
    assertFalse(frames.holdsBuffer());
    assertEquals(List.of(), frames.from(0));

    frames.add("{\"d\":4}");
    frames.release();
    assertFalse(frames.holdsBuffer());
    frames.add("{\"e\":5}");
    assertEquals(0, frames.size(), "an ended session keeps nothing");
    assertFalse(frames.holdsBuffer());
  }
}
