package io.signalhub.verticles.impl;

import io.signalhub.verticles.Addresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;

import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The y-webrtc topics of one ws-ingress instance's connections ({@link YjsSession}): which of them subscribe to
 * which topic, and one clustered consumer at {@link Addresses#yjsTopic} per topic while it has any, so a
 * {@code publish} on any node reaches the subscribers on every node. Used on the instance's event loop only.
 */
final class YjsTopics {

  private final Vertx vertx;
  private final Map<String, Set<YjsSession>> subscribers = new HashMap<>();
  /** Each topic's consumer, and its registration with the cluster. */
  private final Map<String, MessageConsumer<String>> consumers = new HashMap<>();

  YjsTopics(Vertx vertx) {
    this.vertx = vertx;
  }

  /**
   * Adds {@code session} to {@code topic}'s subscribers.
   *
   * @return completes once this instance receives what any node publishes on the topic
   */
  Future<Void> subscribe(String topic, YjsSession session) {
    Set<YjsSession> set = subscribers.computeIfAbsent(topic, t -> new LinkedHashSet<>());
    set.add(session);
    MessageConsumer<String> consumer = consumers.get(topic);
    if (consumer == null) {
      consumer = vertx.eventBus().consumer(Addresses.yjsTopic(topic), (Message<String> msg) -> deliver(topic, msg.body()));
      consumers.put(topic, consumer);
    }
    return consumer.completion();
  }

  /** Removes {@code session} from {@code topic}'s subscribers; the last one takes the consumer with it. */
  void unsubscribe(String topic, YjsSession session) {
    Set<YjsSession> set = subscribers.get(topic);
    if (set == null || !set.remove(session) || !set.isEmpty()) {
      return;
    }
    subscribers.remove(topic);
    MessageConsumer<String> consumer = consumers.remove(topic);
    if (consumer != null) {
      consumer.unregister();
    }
  }

  /** Publishes {@code frame} (a {@code publish} frame without {@code clients}) to every subscriber of {@code topic}. */
  void publish(String topic, String frame) {
    vertx.eventBus().publish(Addresses.yjsTopic(topic), frame);
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
    Set<YjsSession> set = subscribers.get(topic);
    if (set == null || set.isEmpty() || frame.length() < 2 || frame.charAt(0) != '{') {
      return;
    }
    String out = "{\"clients\":" + set.size() + (frame.charAt(1) == '}' ? "" : ",") + frame.substring(1);
    for (YjsSession session : set.toArray(new YjsSession[0])) {
      session.write(out);
    }
  }
}
