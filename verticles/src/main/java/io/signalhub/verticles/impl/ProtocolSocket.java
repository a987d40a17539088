package io.signalhub.verticles.impl;

import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.signalhub.protocol.CloseCodes;
import io.signalhub.protocol.ErrorCode;
import io.signalhub.verticles.HubOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;

/**
 * What the connections of the client libraries' protocols ({@link PeerJsSession}, {@link YjsSession}) share with
 * the hub's own: the rate limit ({@link HubOptions#getRateLimitPerSecond()}: frames over it dropped and counted as
 * {@code rate-limited}, a flood closed with 4003), the write queue ({@link HubOptions#getMaxQueuedBytes()}: a slow
 * reader closed with 1013), liveness (a frame or a pong; silent for {@link HubOptions#getIdleTimeoutMs()}: close
 * 4000) and a frame over {@link HubOptions#getMaxFrameBytes()} (close 1009). Used on the socket's context.
 */
final class ProtocolSocket {

  final ServerWebSocket ws;
  private final HubOptions options;
  private final HubMetrics metrics;
  private final RateLimit rate;
  private long lastSeen = System.currentTimeMillis();

  ProtocolSocket(ServerWebSocket ws, HubOptions options, HubMetrics metrics) {
    this.ws = ws;
    this.options = options;
    this.metrics = metrics;
    this.rate = new RateLimit(options);
    ws.setWriteQueueMaxSize(options.getMaxQueuedBytes());
    ws.pongHandler(b -> lastSeen = System.currentTimeMillis());
    ws.exceptionHandler(t -> {
      if (t instanceof CorruptedWebSocketFrameException bad) {
        close((short) bad.closeStatus().code(), bad.closeStatus().reasonText()); // e.g. 1009 for a frame too big
      }
    });
  }

  /** A frame arrived: whether to handle it (false: over the rate limit, dropped; a flood closes the socket). */
  boolean arrived() {
    lastSeen = System.currentTimeMillis();
    RateLimit.Verdict verdict = rate.take(System.nanoTime());
    if (verdict == RateLimit.Verdict.PASS) {
      return true;
    }
    metrics.error(ErrorCode.RATE_LIMITED.code());
    if (verdict == RateLimit.Verdict.CLOSE) {
      close(CloseCodes.RATE_LIMITED, "rate limit");
    }
    return false;
  }

  /** Pings, or closes with 4000 when nothing came for {@link HubOptions#getIdleTimeoutMs()}. */
  void heartbeat() {
    if (System.currentTimeMillis() - lastSeen > options.getIdleTimeoutMs()) {
      close(CloseCodes.IDLE_TIMEOUT, "idle timeout");
    } else {
      ws.writePing(Buffer.buffer());
    }
  }

  /** Writes a text frame; a full write queue closes the socket with 1013. */
  void write(String frame) {
    if (ws.writeQueueFull()) {
      close(CloseCodes.TRY_AGAIN_LATER, "slow reader");
    } else {
      ws.writeTextMessage(frame);
    }
  }

  /** Closes the socket with {@code code}, unless it is closed already. */
  void close(short code, String reason) {
    if (!ws.isClosed()) {
      ws.close(code, reason);
    }
  }
}
