package io.signalhub.verticles.impl;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Open WebSocket connections per remote IP address on one node, shared by the ws-ingress instances. */
public final class ConnectionsPerIp implements Shareable {

  private final ConcurrentHashMap<String, AtomicInteger> open = new ConcurrentHashMap<>();

  /** The counter of {@code vertx}. */
  public static ConnectionsPerIp of(Vertx vertx) {
    LocalMap<String, ConnectionsPerIp> map = vertx.sharedData().getLocalMap("signalhub.connections-per-ip");
    ConnectionsPerIp created = new ConnectionsPerIp();
    ConnectionsPerIp previous = map.putIfAbsent("counter", created);
    return previous != null ? previous : created;
  }

  /** Counts one more connection from {@code ip} unless it already has {@code max} (0 = no limit). */
  public boolean tryOpen(String ip, int max) {
    AtomicInteger count = open.computeIfAbsent(ip, k -> new AtomicInteger());
    if (max > 0 && count.incrementAndGet() > max) {
      count.decrementAndGet();
      return false;
    }
    if (max <= 0) {
      count.incrementAndGet();
    }
    return true;
  }

  /** Counts one connection from {@code ip} as closed. */
  public void closed(String ip) {
    open.computeIfPresent(ip, (k, count) -> count.decrementAndGet() <= 0 ? null : count);
  }
}
