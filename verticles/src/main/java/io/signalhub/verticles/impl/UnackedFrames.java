package io.signalhub.verticles.impl;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The frames a session wrote to its client and does not yet know arrived, oldest first: what a resume replays
 * (protocol.md, "Resume"). They are kept as UTF-8 bytes in one buffer of Netty's pooled allocator, not as a
 * {@code String} per frame: on a busy connection a frame waits seconds for the pong that acknowledges it, longer
 * than the young generation lives, and a {@code String} per frame was most of what each young collection copied
 * (docs/benchmarks.md, "What limits the hub"). The bytes of pooled memory are not traced or copied by the
 * collector. The buffer is taken when the first frame is added and given back when the last one is removed, so an
 * idle, acknowledged connection holds none.
 *
 * <p>Not thread-safe: used on its session's event loop only. {@link #release()} must be called when the session
 * ends; after it, frames added are dropped (nobody can resume an ended session).
 */
final class UnackedFrames {

  /** Smallest buffer taken, bytes. */
  private static final int MIN_CAPACITY = 1024;

  private ByteBuf bytes;
  /**
   * Byte length of each frame, a ring: frame {@code i} (0 = oldest) is at {@code (head + i) % lengths.length};
   * {@code null} with the buffer (an idle connection holds neither).
   */
  private int[] lengths;
  private int head;
  private int count;
  private boolean released;

  /** Frames kept. */
  int size() {
    return count;
  }

  /** Bytes kept (UTF-8), all frames together. */
  long byteSize() {
    return bytes == null ? 0 : bytes.readableBytes();
  }

  /** Keeps {@code frame} as the newest. */
  void add(String frame) {
    if (released) {
      return;
    }
    int utf8 = ByteBufUtil.utf8Bytes(frame);
    if (bytes == null) {
      bytes = PooledByteBufAllocator.DEFAULT.directBuffer(Math.max(MIN_CAPACITY, utf8));
      lengths = new int[16];
      head = 0;
    } else if (bytes.writableBytes() < utf8 && bytes.readerIndex() > 0) {
      bytes.discardReadBytes(); // the acknowledged frames' room at the front, before the buffer grows
    }
    ByteBufUtil.reserveAndWriteUtf8(bytes, frame, utf8);
    if (count == lengths.length) {
      int[] grown = new int[lengths.length * 2];
      for (int i = 0; i < count; i++) {
        grown[i] = lengths[(head + i) % lengths.length];
      }
      lengths = grown;
      head = 0;
    }
    lengths[(head + count) % lengths.length] = utf8;
    count++;
  }

  /** Forgets the oldest frame; none kept: nothing. */
  void removeFirst() {
    if (count == 0) {
      return;
    }
    bytes.skipBytes(lengths[head]);
    head = (head + 1) % lengths.length;
    count--;
    if (count == 0) {
      giveBack();
    }
  }

  /** The frames from the {@code from}-th oldest (0: all) to the newest, decoded, oldest first. */
  List<String> from(int from) {
    List<String> frames = new ArrayList<>(Math.max(0, count - from));
    int offset = bytes == null ? 0 : bytes.readerIndex();
    for (int i = 0; i < count; i++) {
      int length = lengths[(head + i) % lengths.length];
      if (i >= from) {
        frames.add(bytes.toString(offset, length, StandardCharsets.UTF_8));
      }
      offset += length;
    }
    return frames;
  }

  /** Forgets every frame. */
  void clear() {
    count = 0;
    giveBack();
  }

  /** Forgets every frame and drops those added later: the session has ended. */
  void release() {
    clear();
    released = true;
  }

  private void giveBack() {
    if (bytes != null) {
      bytes.release();
      bytes = null;
      lengths = null;
    }
  }

  /** Whether a pooled buffer is held (tests: none once empty or released). */
  boolean holdsBuffer() {
    return bytes != null;
  }
}
