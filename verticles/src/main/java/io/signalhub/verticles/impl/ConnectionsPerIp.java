package io.signalhub.verticles.impl;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Connections per remote IP address on one node, shared by the ws-ingress instances: open WebSockets, and on the
 * hub's own server connections whose request has not fully arrived ({@link HandshakeDeadline}).
 */
public final class ConnectionsPerIp implements Shareable {

  /** The body of the HTTP 429 answer to a connection over the cap (ASCII). */
  public static final String TOO_MANY = "too many connections from this address";

  private final ConcurrentHashMap<String, Integer> open = new ConcurrentHashMap<>();

  /** The counter of {@code vertx}. */
  public static ConnectionsPerIp of(Vertx vertx) {
    LocalMap<String, ConnectionsPerIp> map = vertx.sharedData().getLocalMap("signalhub.connections-per-ip");
    ConnectionsPerIp created = new ConnectionsPerIp();
    ConnectionsPerIp previous = map.putIfAbsent("counter", created);
    return previous != null ? previous : created;
  }

  /** Counts one more connection from {@code ip} unless it already has {@code max} (0 = no limit). */
  public boolean tryOpen(String ip, int max) {
    boolean[] admitted = new boolean[1];
    open.compute(ip, (k, n) -> {
      int count = n == null ? 0 : n;
      admitted[0] = max <= 0 || count < max;
      return admitted[0] ? Integer.valueOf(count + 1) : n;
    });
    return admitted[0];
  }

  /** Counts one connection from {@code ip} as closed. */
  public void closed(String ip) {
    open.computeIfPresent(ip, (k, n) -> n <= 1 ? null : n - 1);
  }
}
