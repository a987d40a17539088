package io.signalhub.verticles.impl;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.signalhub.verticles.HubOptions;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.impl.HttpServerImpl;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.internal.VertxWrapper;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.impl.NetServerImpl;
import io.vertx.core.net.impl.NetServerInternal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A deadline on unfinished HTTP requests, against slowloris: the hub's own server closes a connection that has not
 * delivered a whole request (its head and body, such as the WebSocket upgrade request of RFC 6455 §4.1)
 * {@code handshakeTimeoutMs} after it was accepted, or after the last response on it ended when it is kept alive,
 * however slowly it goes on sending. Until the request head has arrived, the connection also counts in
 * {@code maxConnectionsPerIp} ({@link ConnectionsPerIp}, the same count as open WebSockets), so unfinished requests
 * from one address cannot take more than that many file descriptors; over the cap it has at most 1 s to send its
 * request head, which is answered HTTP 429 without being passed on, and is closed. Once the
 * request head has arrived the request is the application's (a WebSocket is counted again by the upgrade handler, and
 * a WebSocket upgrade, HTTP 101, ends the watch).
 *
 * <p>Vert.x 5.0 has neither a request-head time-out nor an accept-time hook for HTTP/1 ({@code
 * HttpServer.connectionHandler} runs at the first request), so this reaches one level down, to Vert.x's internal
 * API: the server is an {@code HttpServerImpl} whose TCP server is a {@code NetServerImpl} subclass that adds a Netty
 * handler to each accepted channel ({@code initChannel}, called at accept, or when its TLS handshake is done). If
 * that API is not there (another Vert.x version), {@link #httpServer} logs a warning and returns a plain server.
 * A TLS handshake is bounded by the same time ({@code sslHandshakeTimeout}) but not counted in the cap.
 */
public final class HandshakeDeadline {

  private static final Logger LOG = LoggerFactory.getLogger(HandshakeDeadline.class);
  private static final String NAME = "signalhub-handshake-deadline";
  /** Vert.x's name for the HTTP/1 response encoder in a server pipeline ({@code HttpServerConnectionInitializer}). */
  private static final String HTTP_ENCODER = "httpEncoder";
  private static final AtomicBoolean UNWATCHED_LOGGED = new AtomicBoolean();
  /** The answer over {@code maxConnectionsPerIp}, the same as the upgrade handler's. */
  private static final byte[] TOO_MANY_CONNECTIONS = ("HTTP/1.1 429 Too Many Requests\r\ncontent-type: text/plain\r\n"
    + "content-length: " + ConnectionsPerIp.TOO_MANY.length() + "\r\nconnection: close\r\n\r\n" + ConnectionsPerIp.TOO_MANY)
    .getBytes(StandardCharsets.US_ASCII);
  /** How long a connection over the cap has to send its request head, to be answered 429, ms. */
  private static final long REFUSED_WAIT_MS = 1_000;
  /** The end of a request head (RFC 9112 §2.1). */
  private static final byte[] HEAD_END = {'\r', '\n', '\r', '\n'};

  private final long deadlineMs;
  private final int maxPerIp;
  private final ConnectionsPerIp perIp;
  private final HubMetrics metrics;

  private HandshakeDeadline(long deadlineMs, int maxPerIp, ConnectionsPerIp perIp, HubMetrics metrics) {
    this.deadlineMs = deadlineMs;
    this.maxPerIp = maxPerIp;
    this.perIp = perIp;
    this.metrics = metrics;
  }

  /**
   * The deadline of {@code options} ({@code handshakeTimeoutMs}, {@code maxConnectionsPerIp}), counting in
   * {@code vertx}'s connections per address, which its ws-ingress verticles share.
   */
  public static HandshakeDeadline of(Vertx vertx, HubOptions options) {
    return new HandshakeDeadline(options.getHandshakeTimeoutMs(), options.getMaxConnectionsPerIp(),
      ConnectionsPerIp.of(vertx), HubMetrics.of(vertx));
  }

  /**
   * An HTTP server like {@code vertx.createHttpServer(options)}, whose connections have this deadline; its TLS
   * handshakes get the same time-out, and it speaks no HTTP/2 over cleartext (h2c), which browsers never use.
   */
  public HttpServer httpServer(Vertx vertx, HttpServerOptions options) {
    // without h2c, whose detector waits for the first bytes, the HTTP/1 codec is in place from accept
    HttpServerOptions withTls = new HttpServerOptions(options).setHttp2ClearTextEnabled(false)
      .setSslHandshakeTimeout(deadlineMs).setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS);
    try {
      return new HttpServerImpl(new Guarded((VertxInternal) vertx), withTls);
    } catch (LinkageError | ClassCastException e) {
      notEnforced(e);
      return vertx.createHttpServer(withTls);
    }
  }

  private static void notEnforced(Throwable missingApi) {
    LOG.warn("handshakeTimeoutMs is not enforced: this Vert.x lacks the internal API it uses ({}); put a proxy with a "
      + "request-header time-out in front", missingApi.toString());
  }

  /** Vert.x with one change: the TCP server under an HTTP server adds a {@link Watch} to each connection. */
  private final class Guarded extends VertxWrapper {
    Guarded(VertxInternal delegate) {
      super(delegate);
    }

    @Override
    public NetServerInternal createNetServer(NetServerOptions options) {
      try {
        return guardedNetServer(options);
      } catch (LinkageError e) {
        notEnforced(e);
        return delegate.createNetServer(options);
      }
    }

    private NetServerInternal guardedNetServer(NetServerOptions options) {
      return new NetServerImpl(delegate, options.copy()) {
        @Override
        protected void initChannel(ChannelPipeline pipeline, boolean ssl) {
          super.initChannel(pipeline, ssl);
          Installer installer = new Installer(new Watch(ip(pipeline.channel().remoteAddress())));
          // behind TLS, where it sees the first request's bytes: they may come with the handshake's last flight
          ChannelHandlerContext tls = pipeline.context(SslHandler.class);
          if (tls != null) {
            pipeline.addAfter(tls.name(), NAME, installer);
          } else {
            pipeline.addFirst(NAME, installer);
          }
        }
      };
    }
  }

  private static String ip(SocketAddress remote) {
    return remote instanceof InetSocketAddress inet && inet.getAddress() != null
      ? inet.getAddress().getHostAddress() : String.valueOf(remote);
  }

  /**
   * First in the pipeline from accept (or right behind TLS): arms the {@link Watch}; at the first bytes read, when
   * Vert.x has put its HTTP codec in place, moves the watch behind the codec, where it sees requests and responses,
   * and leaves.
   */
  private final class Installer extends ChannelInboundHandlerAdapter {
    private final Watch watch;
    /** Over the cap at accept: the request head is read (not passed on) and answered 429. */
    private boolean refused;
    /** How much of {@link #HEAD_END} the bytes read so far end with. */
    private int headEnd;

    Installer(Watch watch) {
      this.watch = watch;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      if (!watch.arm(ctx)) {
        // the address is at its cap: answer 429 as the upgrade handler would, once the request head is in (a client
        // may not read an answer that comes before it has sent its request), without passing the request on
        refused = true;
        ctx.executor().schedule(() -> ctx.channel().close(), Math.min(deadlineMs, REFUSED_WAIT_MS), TimeUnit.MILLISECONDS);
      }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (refused) {
        if (msg instanceof ByteBuf bytes && headEnd < HEAD_END.length) {
          for (int i = bytes.readerIndex(); i < bytes.writerIndex() && headEnd < HEAD_END.length; i++) {
            byte b = bytes.getByte(i);
            headEnd = b == HEAD_END[headEnd] ? headEnd + 1 : b == HEAD_END[0] ? 1 : 0;
          }
          if (headEnd == HEAD_END.length) {
            ctx.writeAndFlush(Unpooled.wrappedBuffer(TOO_MANY_CONNECTIONS)).addListener(ChannelFutureListener.CLOSE);
          }
        }
        ReferenceCountUtil.release(msg);
        return;
      }
      ChannelPipeline pipeline = ctx.pipeline();
      if (pipeline.get(HTTP_ENCODER) != null) {
        pipeline.addAfter(HTTP_ENCODER, NAME + "-watch", watch);
      } else {
        // not the HTTP/1 pipeline this was written for (HTTP/2 after ALPN, or another Vert.x): leave it alone
        if (UNWATCHED_LOGGED.compareAndSet(false, true)) {
          LOG.warn("handshakeTimeoutMs is not enforced on connections such as this one from {}: no HTTP/1 codec in "
            + "its pipeline {} (logged once)", watch.ip, pipeline.names());
        }
        watch.end();
      }
      pipeline.remove(this);
      ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      watch.end();
      ctx.fireChannelInactive();
    }
  }

  /**
   * Per connection: the timer runs from accept, and from the end of the last response on a kept-alive connection,
   * until a whole request has arrived; while no request head has arrived, the connection is also counted for its
   * address. A WebSocket upgrade (HTTP 101) ends the watch.
   */
  private final class Watch extends ChannelDuplexHandler {
    private final String ip;
    private Channel channel;
    private ScheduledFuture<?> timer;
    private boolean counted;
    /** Between a request head and the end of its body. */
    private boolean receiving;
    /** The response being written is a final one (not 100 Continue). */
    private boolean finalResponse;
    private long requests;
    private long responses;

    Watch(String ip) {
      this.ip = ip;
    }

    /**
     * Waits for a request: counts the connection for its address and starts the timer; false, having done neither,
     * when its address is at the cap.
     */
    boolean arm(ChannelHandlerContext ctx) {
      channel = ctx.channel();
      if (!counted && !perIp.tryOpen(ip, maxPerIp)) {
        metrics.refused("address-cap");
        LOG.debug("connection from {} refused: maxConnectionsPerIp ({}) reached", ip, maxPerIp);
        return false;
      }
      counted = true;
      startTimer(ctx);
      return true;
    }

    /** {@link #arm} on a kept-alive connection, closed when its address is at the cap. */
    private void rearm(ChannelHandlerContext ctx) {
      if (!arm(ctx)) {
        channel.close();
      }
    }

    private void startTimer(ChannelHandlerContext ctx) {
      stopTimer();
      timer = ctx.executor().schedule(this::expire, deadlineMs, TimeUnit.MILLISECONDS);
    }

    private void expire() {
      if (timer == null) {
        return;
      }
      timer = null;
      metrics.refused("handshake-timeout");
      LOG.debug("connection from {} closed: no whole request within handshakeTimeoutMs ({} ms)", ip, deadlineMs);
      channel.close();
    }

    private void stopTimer() {
      if (timer != null) {
        timer.cancel(false);
        timer = null;
      }
    }

    private void uncount() {
      if (counted) {
        counted = false;
        perIp.closed(ip);
      }
    }

    /** Stops the timer and the count for good: the connection closed, was upgraded, or is not HTTP/1. */
    void end() {
      stopTimer();
      uncount();
    }

    private boolean idle() {
      return !receiving && responses >= requests;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HttpRequest) {
        requests++;
        receiving = true;
        // the request is the application's now: a WebSocket upgrade is counted by its handler, within this call
        uncount();
        if (timer == null) {
          // pipelined behind a request still being answered: its body has the same time
          startTimer(ctx);
        }
      }
      if (msg instanceof LastHttpContent && receiving) {
        receiving = false;
        if (idle()) {
          // answered before its body ended: the next request's time starts now
          rearm(ctx);
        } else {
          stopTimer();
        }
      }
      ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
      if (msg instanceof HttpResponse response) {
        if (response.status().code() == HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
          end();
          ctx.pipeline().remove(this);
          ctx.write(msg, promise);
          return;
        }
        finalResponse = response.status().code() >= 200;
      }
      if (msg instanceof LastHttpContent && finalResponse) {
        finalResponse = false;
        responses++;
        if (idle()) {
          // a kept-alive connection has the same time for its next request, from the end of this response
          ChannelPromise written = promise.unvoid();
          written.addListener(f -> {
            if (ctx.channel().isActive() && idle()) {
              rearm(ctx);
            }
          });
          ctx.write(msg, written);
          return;
        }
      }
      ctx.write(msg, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      end();
      ctx.fireChannelInactive();
    }
  }
}
