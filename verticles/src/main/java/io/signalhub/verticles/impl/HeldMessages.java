package io.signalhub.verticles.impl;

import io.signalhub.protocol.Envelope;
import io.signalhub.protocol.ErrorCode;
import io.signalhub.protocol.Frames;
import io.signalhub.verticles.Addresses;
import io.signalhub.verticles.HubOptions;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The messages one router holds for peers that are not (yet) in the room (docs/protocol.md, "Delivery contract":
 * "Holding"; the PEER1/PEER2 tutorial, whose PEER1 sends its offer before PEER2 opens the page), and the room
 * broadcasts sent while their sender is alone in the room (the MDN sample, whose clients have no ids and send
 * no {@code to}). Each waits up to {@link HubOptions#getHoldMs()} and is delivered, in the order held, when a
 * peer joins ({@link #flush}); a held broadcast goes to the next peer that joins other than its sender.
 *
 * <p>Bounded per recipient and per sender by {@link HubOptions#getHoldMaxMessages()} and
 * {@link HubOptions#getHoldMaxBytes()}: what a bound refuses, or what the periodic {@link #expire} sweep finds
 * past its time, gets its sender an {@code expired} error. What a sender that left the room said is dropped
 * ({@link #dropFrom}): it is not delivered in its name later.
 *
 * <p>No state machine: queues and their sizes. Owned by the router verticle
 * ({@link io.signalhub.verticles.RouterVerticle}, which runs the sweep) and confined to its context; it sends what it flushes with the router's id in header
 * {@link Addresses#HEADER_VIA}, like the router's own messages, so fences order both.
 */
public final class HeldMessages {

  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private final Vertx vertx;
  private final HubOptions options;
  private final HubMetrics metrics;
  /** This node's id ({@link Member#send}). */
  private final String node;
  /** The owning router's sequence numbers ({@link Addresses#HEADER_ROUTE_SEQ}), one per message flushed. */
  private final LongSupplier routeSeq;
  /** The owning router's id, in header {@link Addresses#HEADER_VIA} of what is flushed. */
  private final String routerId;
  /** Held messages by {@code <room>/<recipient>} ({@code <room>/*} for broadcasts sent while alone). */
  private final Map<String, HoldQueue> held = new LinkedHashMap<>(); // expiry reports in the order held
  /** The same held messages by {@code <room>/<sender>}, for the per-sender bound. */
  private final Map<String, HoldQueue> heldBySender = new HashMap<>();
  private long holdSequence;

  public HeldMessages(Vertx vertx, HubOptions options, HubMetrics metrics, String node, String routerId,
                      LongSupplier routeSeq) {
    this.routeSeq = routeSeq;
    this.vertx = vertx;
    this.options = options;
    this.metrics = metrics;
    this.node = node;
    this.routerId = routerId;
  }

  private static String holdKey(String room, String to) {
    return room + "/" + (to == null ? "*" : to);
  }

  /** Holds {@code env}, encoded as {@code text}, for its recipient ({@code to}, or the room's next newcomer). */
  public void hold(Envelope env, String text) {
    HoldQueue queue = held.computeIfAbsent(holdKey(env.room(), env.to()), k -> new HoldQueue());
    HoldQueue bySender = heldBySender.computeIfAbsent(env.room() + "/" + env.from(), k -> new HoldQueue());
    if (queue.items.size() >= options.getHoldMaxMessages() || queue.bytes + text.length() > options.getHoldMaxBytes()
      || bySender.items.size() >= options.getHoldMaxMessages() || bySender.bytes + text.length() > options.getHoldMaxBytes()) {
      if (queue.items.isEmpty()) {
        held.remove(holdKey(env.room(), env.to()));
      }
      expired(new Held(env, text, 0, 0), "the hold limit (per recipient and per sender) is reached");
      return;
    }
    Held h = new Held(env, text, System.currentTimeMillis() + options.getHoldMs(), ++holdSequence);
    queue.add(h);
    bySender.add(h);
    metrics.held();
  }

  private void forget(Held h) {
    String key = h.env.room() + "/" + h.env.from();
    HoldQueue bySender = heldBySender.get(key);
    if (bySender != null && bySender.remove(h) && bySender.items.isEmpty()) {
      heldBySender.remove(key);
    }
  }

  /** {@code peer} left {@code room}: what it said that is still held is dropped, reported to no one. */
  public void dropFrom(String room, String peer) {
    HoldQueue bySender = heldBySender.remove(room + "/" + peer);
    if (bySender == null) {
      return;
    }
    for (Held h : bySender.items) {
      String key = holdKey(h.env.room(), h.env.to());
      HoldQueue queue = held.get(key);
      if (queue != null && queue.remove(h) && queue.items.isEmpty()) {
        held.remove(key);
      }
    }
  }

  /**
   * Delivers, in order, what is held for {@code peer} (connected as {@code session}) in {@code room}, and room
   * broadcasts held for any newcomer. Costs one {@code isEmpty} when nothing is held: the router calls it before
   * each message it sends to one peer, so that anything held for it goes first.
   */
  public void flush(String room, String peer, String session) {
    if (held.isEmpty()) {
      return;
    }
    List<Held> due = new ArrayList<>();
    HoldQueue direct = held.remove(holdKey(room, peer));
    if (direct != null) {
      due.addAll(direct.items);
    }
    HoldQueue broadcast = held.get(holdKey(room, null));
    if (broadcast != null) {
      for (Held h : new ArrayList<>(broadcast.items)) {
        if (!h.env.from().equals(peer)) { // a peer's own broadcast waits for someone else
          broadcast.remove(h);
          due.add(h);
        }
      }
      if (broadcast.items.isEmpty()) {
        held.remove(holdKey(room, null));
      }
    }
    if (due.isEmpty()) {
      return;
    }
    due.sort(Comparator.comparingLong(Held::seq)); // each sender's order, across both queues
    for (Held h : due) {
      forget(h);
      Member.send(vertx, node, peer, session, h.text, new DeliveryOptions().setLocalOnly(true)
        .addHeader(Addresses.HEADER_ROOM, room).addHeader(Addresses.HEADER_VIA, routerId)
        .addHeader(Addresses.HEADER_ROUTE_SEQ, Long.toString(routeSeq.getAsLong()))); // a number each
    }
  }

  /** The sweep: drops what was held past its time, each with an {@code expired} error to its sender. */
  public void expire() {
    long now = System.currentTimeMillis();
    held.values().removeIf(queue -> {
      while (!queue.items.isEmpty() && queue.items.peek().deadline <= now) {
        Held h = queue.items.peek();
        queue.remove(h);
        forget(h);
        expired(h, "no peer joined within " + options.getHoldMs() + " ms");
      }
      return queue.items.isEmpty();
    });
  }

  private void expired(Held h, String why) {
    metrics.expired();
    metrics.error(ErrorCode.EXPIRED.code());
    String to = h.env.to();
    String message = (to == null ? "room broadcast" : "message for '" + to + "'") + " dropped: " + why;
    vertx.eventBus().send(h.env.replyTo(), Frames.error(ErrorCode.EXPIRED, message, h.env.type(), to),
      new DeliveryOptions(LOCAL).addHeader(Addresses.HEADER_ROOM, h.env.room()));
  }

  /**
   * A held message: the envelope (for its sender), its encoded frame, its deadline (epoch ms) and its
   * place in the order messages were held.
   */
  private record Held(Envelope env, String text, long deadline, long seq) {
  }

  /** Held messages in the order held, with their total size (characters). */
  private static final class HoldQueue {
    final ArrayDeque<Held> items = new ArrayDeque<>();
    long bytes;

    void add(Held h) {
      items.add(h);
      bytes += h.text.length();
    }

    boolean remove(Held h) {
      if (items.remove(h)) {
        bytes -= h.text.length();
        return true;
      }
      return false;
    }
  }
}
