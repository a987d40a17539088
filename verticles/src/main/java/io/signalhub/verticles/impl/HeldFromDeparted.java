package io.signalhub.verticles.impl;

import io.vertx.core.eventbus.Message;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Relayed frames for one {@link Session} from peers its client was told had left (docs/protocol.md, "Partitions,
 * stalls and merges": no ghosts). Such a frame is not written; it waits here until the client is told the peer is
 * back ({@link #release}, right after that {@code peer-joined}, in the order they came), which is what happens when
 * the two sides of a partition merge: one side's peers may be told of the other's a moment before the other side's
 * are. A frame that waits longer than {@code holdMs}, or beyond {@code holdMaxMessages} frames of its sender, or
 * whose session leaves the room, is dropped and its sender told {@code expired} ({@link Reassertion#undelivered}).
 * With {@code holdMs: 0} nothing waits. Confined to the session's context.
 */
final class HeldFromDeparted {

  private record Held(Message<String> msg, String from, long until) {
  }

  private final Session session;
  /** Waiting frames by sender, each queue in arrival order. */
  private final Map<String, ArrayDeque<Held>> bySender = new LinkedHashMap<>();
  private int count;
  private long timer = -1;

  HeldFromDeparted(Session session) {
    this.session = session;
  }

  /** A frame from {@code from}, whom the client was told had left: waits, or is dropped and reported. */
  void hold(Message<String> msg, String from) {
    long holdMs = session.options.getHoldMs();
    ArrayDeque<Held> queue = holdMs <= 0 ? null : bySender.computeIfAbsent(from, k -> new ArrayDeque<>());
    if (queue == null || queue.size() >= session.options.getHoldMaxMessages()) {
      Reassertion.undelivered(session, msg, from); // (bounded per sender: a room's senders are bounded by its capacity)
      return;
    }
    queue.add(new Held(msg, from, System.currentTimeMillis() + holdMs));
    count++;
    if (timer < 0) {
      timer = session.vertx.setPeriodic(Math.max(50, Math.min(1000, holdMs / 4)), t -> expire());
    }
  }

  /** The client was just told {@code peer} is back: its waiting frames, in order, to be accepted now. */
  List<Message<String>> release(String peer) {
    ArrayDeque<Held> queue = bySender.remove(peer);
    if (queue == null) {
      return List.of();
    }
    count -= queue.size();
    stopIfEmpty();
    List<Message<String>> out = new ArrayList<>(queue.size());
    for (Held h : queue) {
      out.add(h.msg());
    }
    return out;
  }

  /** The session leaves its room (or ends): every waiting frame is dropped and its sender told. */
  void dropAll() {
    for (ArrayDeque<Held> queue : bySender.values()) {
      for (Held h : queue) {
        Reassertion.undelivered(session, h.msg(), h.from());
      }
    }
    bySender.clear();
    count = 0;
    stopIfEmpty();
  }

  private void expire() {
    long now = System.currentTimeMillis();
    for (Iterator<ArrayDeque<Held>> it = bySender.values().iterator(); it.hasNext(); ) {
      ArrayDeque<Held> queue = it.next();
      while (!queue.isEmpty() && queue.peek().until() <= now) {
        Held h = queue.poll();
        count--;
        Reassertion.undelivered(session, h.msg(), h.from());
      }
      if (queue.isEmpty()) {
        it.remove();
      }
    }
    stopIfEmpty();
  }

  private void stopIfEmpty() {
    if (count == 0 && timer >= 0) {
      session.vertx.cancelTimer(timer);
      timer = -1;
    }
  }
}
