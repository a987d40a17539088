package io.signalhub;

import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A TCP relay on loopback between test clients and a hub port whose {@link #cut()} drops every link at
 * once, as a network blink does: both ends see the TCP connection end with no WebSocket close frame (the
 * client's close code is 1006, the hub's is none).
 */
final class LinkCutter implements AutoCloseable {

  private final NetServer server;
  private final NetClient client;
  private final Set<NetSocket> sockets = ConcurrentHashMap.newKeySet();

  private LinkCutter(Vertx vertx, int targetPort) {
    client = vertx.createNetClient();
    server = vertx.createNetServer().connectHandler(in -> {
      in.pause();
      client.connect(targetPort, "127.0.0.1").onComplete(ar -> {
        if (ar.failed()) {
          in.close();
          return;
        }
        NetSocket out = ar.result();
        sockets.add(in);
        sockets.add(out);
        in.pipeTo(out);
        out.pipeTo(in);
        in.resume();
      });
    });
  }

  /** Listens on a free loopback port and relays every connection to {@code 127.0.0.1:<targetPort>}. */
  static LinkCutter to(Vertx vertx, int targetPort) throws Exception {
    LinkCutter cutter = new LinkCutter(vertx, targetPort);
    cutter.server.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    return cutter;
  }

  /** The port to connect to instead of the hub's. */
  int port() {
    return server.actualPort();
  }

  /** Ends every relayed connection on both sides, without a WebSocket closing handshake. */
  void cut() throws Exception {
    for (NetSocket socket : sockets) {
      socket.close().await(10, TimeUnit.SECONDS);
    }
    sockets.clear();
  }

  @Override
  public void close() throws Exception {
    cut();
    server.close().await(10, TimeUnit.SECONDS);
    client.close().await(10, TimeUnit.SECONDS);
  }
}
