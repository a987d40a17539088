package io.signalhub.verticles.impl;

import io.vertx.core.json.JsonArray;

import java.util.ArrayList;
import java.util.List;

/**
 * The replay log of one {@link Session}: the {@code seq} of the last frame written to its client, the frames
 * written and not yet acknowledged ({@link UnackedFrames}), and the frames kept while the session is suspended.
 * What a resume replays comes from here (docs/protocol.md, "Resume": "Replay", "Suspension").
 *
 * <p>Frames numbered {@code seq - unacked.size() + 1 .. seq} are unacknowledged: a pong that echoes a ping written
 * after them acknowledges them (TCP keeps order). A ping asking for that is written once {@link #ACK_EVERY_FRAMES}
 * frames or {@link #ACK_EVERY_BYTES} bytes wait ({@link #needsAckPing}), one at a time. Kept frames (arrived while
 * suspended) have no number yet: they are numbered by the connection that resumes. Both are bounded like a hold
 * ({@code holdMaxMessages}, {@code holdMaxBytes}).
 *
 * <p>No state machine of its own: it holds data for its session's states. Confined to the session's context;
 * {@link #release()} when the session ends.
 */
final class ReplayLog {

  /**
   * Frames, or bytes, kept unacknowledged before a ping asks the client to acknowledge them: they bound the
   * pooled memory a busy connection holds for a resume; more pings per frame would cost writes.
   */
  static final int ACK_EVERY_FRAMES = 16;
  static final int ACK_EVERY_BYTES = 32 * 1024;

  private final int maxFrames;
  private final long maxBytes;
  /** The number of the last frame written to the client (dialects that number frames), counted across resumes. */
  private long seq;
  private final UnackedFrames unacked = new UnackedFrames();
  /** Whether a ping asking to acknowledge {@link #unacked} is out, its pong not back yet. */
  private boolean ackPingOut;
  /** Canonical frames that arrived while suspended, oldest first; {@code null} until one did. */
  private List<String> kept;
  private long keptChars;

  ReplayLog(int maxFrames, long maxBytes) {
    this.maxFrames = maxFrames;
    this.maxBytes = maxBytes;
  }

  long seq() {
    return seq;
  }

  /** Continues the numbering of a session taken over: the next frame is {@code base + 1}. */
  void continueFrom(long base) {
    seq = base;
  }

  /** Numbers {@code canonical} with the next {@code seq} and keeps it until acknowledged; returns its number. */
  long remember(String canonical) {
    seq++;
    unacked.add(canonical);
    while (unacked.size() > maxFrames || unacked.byteSize() > maxBytes) {
      unacked.removeFirst(); // too old to replay: a resume will see the gap in seq
    }
    return seq;
  }

  /** Whether a ping should now ask the client to acknowledge what waits; if so, counts it as out. */
  boolean needsAckPing() {
    if (!ackPingOut && (unacked.size() >= ACK_EVERY_FRAMES || unacked.byteSize() >= ACK_EVERY_BYTES)) {
      ackPingOut = true; // its pong lets the frames up to seq go: the kept frames stay few on a busy connection
      return true;
    }
    return false;
  }

  /** A pong came back echoing {@code upTo} ({@code -1}: not one of our numbers): forgets what the client has. */
  void pong(long upTo) {
    ackPingOut = false;
    if (upTo > seq) {
      return; // not a seq of ours
    }
    long first = seq - unacked.size() + 1;
    for (long s = first; s <= upTo && unacked.size() > 0; s++) {
      unacked.removeFirst();
    }
  }

  /** Keeps a frame that arrived while suspended; {@code false} when the hold bounds are now exceeded. */
  boolean keep(String canonical) {
    if (kept == null) {
      kept = new ArrayList<>();
    }
    keptChars += canonical.length();
    kept.add(canonical);
    return kept.size() <= maxFrames && keptChars <= maxBytes;
  }

  /**
   * Adds to {@code frames} what a resume that got frames up to {@code received} ({@code -1}: not told) misses, the
   * unacknowledged ones after it then the kept ones, and forgets them all; returns the {@code seq} before the first.
   */
  long handOver(long received, JsonArray frames, String peer) {
    long base = seq;
    if (received >= 0 && received <= seq) {
      long first = seq - unacked.size() + 1;
      if (received + 1 < first) {
        Session.LOG.warn("peer {}: frames {}..{} are too old to replay to its resume", peer, received + 1, first - 1);
      }
      base = Math.max(received, first - 1);
      unacked.from((int) (base + 1 - first)).forEach(frames::add);
    }
    if (kept != null) {
      kept.forEach(frames::add);
      kept = null;
      keptChars = 0;
    }
    unacked.clear();
    return base;
  }

  /** The session has ended: gives the pooled memory back. */
  void release() {
    unacked.release();
  }
}
