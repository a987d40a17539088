package io.signalhub.verticles.impl;

import io.signalhub.verticles.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The y-webrtc topics of one ws-ingress instance's connections ({@link YjsSession}): which of them subscribe to
 * which topic. A {@code publish} goes to every hub node ({@link Addresses#YJS_PUBLISH}, one consumer per instance
 * for its whole life), and each instance writes it to its own subscribers of the topic.
 *
 * <p>Why every node and not a consumer per topic: a consumer registered when a topic's first subscriber comes
 * reaches the other nodes' view of the event bus a moment later (Hazelcast's entry events), and what they publish
 * in that moment misses it. y-webrtc does not resend: a peer's offer lost that way stalls its connection for
 * good. The cost is one message per node for each publish (y-webrtc publishes an announce per peer and its
 * handful of SDP and ICE signals per pair), as for room events (docs/scaling.md). Used on the instance's event
 * loop only.
 */
final class YjsTopics {

  /** Header of a {@link Addresses#YJS_PUBLISH} message: the topic. */
  static final String HEADER_TOPIC = "topic";

  private final Vertx vertx;
  private final Map<String, Set<YjsSession>> subscribers = new HashMap<>();
  private MessageConsumer<String> consumer;

  YjsTopics(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Starts receiving what any node publishes. */
  Future<Void> start() {
    consumer = vertx.eventBus().consumer(Addresses.YJS_PUBLISH,
      (Message<String> msg) -> deliver(msg.headers().get(HEADER_TOPIC), msg.body()));
    return consumer.completion();
  }

  /** Stops receiving. */
  Future<Void> stop() {
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }

  /** Adds {@code session} to {@code topic}'s subscribers. */
  void subscribe(String topic, YjsSession session) {
    subscribers.computeIfAbsent(topic, t -> new LinkedHashSet<>()).add(session);
  }

  /** Removes {@code session} from {@code topic}'s subscribers. */
  void unsubscribe(String topic, YjsSession session) {
    Set<YjsSession> set = subscribers.get(topic);
    if (set != null && set.remove(session) && set.isEmpty()) {
      subscribers.remove(topic);
    }
  }

  /** Publishes {@code frame} (a {@code publish} frame without {@code clients}) to every subscriber of {@code topic}. */
  void publish(String topic, String frame) {
    vertx.eventBus().publish(Addresses.YJS_PUBLISH, frame, new DeliveryOptions().addHeader(HEADER_TOPIC, topic));
  }

  /** Subscribers of {@code topic} here. */
  int count(String topic) {
    Set<YjsSession> set = subscribers.get(topic);
    return set == null ? 0 : set.size();
  }

  /**
   * Writes a published frame to this instance's subscribers, with {@code "clients"}: their number here (the
   * reference server, one process, counts all of them; y-webrtc 10 does not read it).
   */
  private void deliver(String topic, String frame) {
    Set<YjsSession> set = topic == null ? null : subscribers.get(topic);
    if (set == null || set.isEmpty() || frame.length() < 2 || frame.charAt(0) != '{') {
      return;
    }
    String out = "{\"clients\":" + set.size() + (frame.charAt(1) == '}' ? "" : ",") + frame.substring(1);
    for (YjsSession session : set.toArray(new YjsSession[0])) {
      session.write(out);
    }
  }
}
