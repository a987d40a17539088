package io.signalhub.loadtest.chaos;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A protocol v1 peer (docs/protocol.md) for histories under faults: it joins room {@code room} as {@code id} on one
 * of several hub nodes, sends every peer of its current view a numbered {@code ice-candidate} every
 * {@code intervalMs}, and records everything it does and is told into a {@link History}, on its own event loop, in
 * the order it sees it.
 *
 * <p>Frames it sends: {@code {"type":"ice-candidate","to":"Q","data":{"candidate":"candidate:...","sdpMid":"0",
 * "sdpMLineIndex":0,"n":N}}}, {@code N} = 1, 2, 3, ... per recipient {@code Q}, continued across reconnects and fresh
 * sessions. It sends only while joined (between a {@code welcome} and the socket's close) and only to the peers
 * in its view ({@code welcome} {@code data.peers} + {@code peer-joined} - {@code peer-left}).
 *
 * <p>Reconnection, as {@code /client.js} does it: a joined socket that closes (any code but 1000 asked for by
 * {@link #close()}, 1008 (refused), 4101 (another connection holds this session or id)) is reopened with
 * exponential backoff (500 ms doubling up to {@code maxBackoffMs}, ±20 % jitter), with the same room and id and,
 * once a {@code welcome} gave one, {@code &resume=<token>&received=<seq>} ({@code seq} of the last frame
 * received; frames with a {@code seq} already seen are dropped, not recorded). It moves to the next node of its
 * list when the current one refuses the connection, closes it before {@code welcome}, gives no {@code welcome}
 * within {@code joinTimeoutMs}, or closed with 1001 (stopping), and waits its backoff before every attempt
 * ({@code /client.js} given {@code urls} goes to the next node at every attempt and waits once per round over
 * them). {@code id-taken} and
 * {@code unavailable} before {@code welcome} are retried (any number of times); any other refusal, 1008 and 4100-4199
 * stop the peer ({@link History#sessionEnded}).
 *
 * <p>Thread-safe: every method may be called from any thread; the state is changed on the peer's own context.
 */
public final class ChaosPeer {

  private static final long BACKOFF_START_MS = 500;

  private final ContextInternal context;
  private final WebSocketClient client;
  private final History history;
  private final String room;
  private final String id;
  private final List<String[]> nodes = new ArrayList<>();
  private final long intervalMs;
  private final SplittableRandom random;
  private final Promise<Void> firstWelcome = Promise.promise();
  private long maxBackoffMs = 4000;
  private long joinTimeoutMs = 10_000;

  // state, touched on the context only
  private int node;
  private WebSocket ws;
  private int attempt;
  private int failures;
  private String resumeToken;
  private long lastSeq;
  private long sendTimer = -1;
  private long retryTimer = -1;
  private long joinTimer = -1;
  private final Set<String> peers = new LinkedHashSet<>();
  private final Map<String, Long> next = new HashMap<>();
  private final String candidateBase;

  // read from any thread
  private volatile boolean joined;
  private volatile boolean stopped;
  private volatile boolean sending = true;
  private volatile Set<String> view = Set.of();
  private volatile int reconnects;
  private volatile int idTaken;
  private volatile int replaysDropped;
  private volatile String currentNode;

  /**
   * A peer, not yet connected ({@link #start()}).
   *
   * @param vertx      the Vert.x instance; the peer runs on an event-loop context of its own
   * @param client     the WebSocket client to connect with (see {@link #client(Vertx)})
   * @param history    where everything is recorded
   * @param room       room name ({@code [A-Za-z0-9_-]{1,64}})
   * @param id         peer id (same alphabet)
   * @param nodes      the hub nodes, {@code host:port} (their WebSocket endpoint is {@code /ws})
   * @param firstNode  index in {@code nodes} of the node to try first
   * @param intervalMs period of the numbered frames to each peer of the view, ms
   * @param seed       seed of the backoff jitter and of the send timer's phase
   */
  public ChaosPeer(Vertx vertx, WebSocketClient client, History history, String room, String id, List<String> nodes,
                   int firstNode, long intervalMs, long seed) {
    if (nodes.isEmpty() || intervalMs <= 0) {
      throw new IllegalArgumentException("need at least one node and intervalMs > 0");
    }
    this.context = ((VertxInternal) vertx).createEventLoopContext();
    this.client = client;
    this.history = history;
    this.room = room;
    this.id = id;
    for (String n : nodes) {
      int colon = n.lastIndexOf(':');
      if (colon <= 0) {
        throw new IllegalArgumentException("node must be host:port, got '" + n + "'");
      }
      this.nodes.add(new String[] {n.substring(0, colon), n.substring(colon + 1)});
    }
    this.node = Math.floorMod(firstNode, nodes.size());
    this.intervalMs = intervalMs;
    this.random = new SplittableRandom(seed);
    this.candidateBase = String.format("candidate:%d 1 udp 1677729535 198.51.100.%d %d typ srflx raddr 10.0.%d.%d rport %d "
        + "generation 0 ufrag %s network-cost 999", 100_000_000 + random.nextInt(900_000_000), 1 + random.nextInt(254),
      20_000 + random.nextInt(40_000), random.nextInt(255), 1 + random.nextInt(254), 20_000 + random.nextInt(40_000),
      Long.toString(random.nextLong() & 0xffffffL, 36));
  }

  /** A WebSocket client fit for many peers: no pool limit, 3 s TCP connect timeout, 1 MiB frames. */
  public static WebSocketClient client(Vertx vertx) {
    return vertx.createWebSocketClient(new WebSocketClientOptions().setMaxConnections(Integer.MAX_VALUE)
      .setConnectTimeout(3000).setMaxFrameSize(1 << 20).setMaxMessageSize(1 << 20).setTcpNoDelay(true));
  }

  /** Longest wait between reconnect attempts, ms (default 4000); call before {@link #start()}. */
  public ChaosPeer maxBackoffMs(long ms) {
    this.maxBackoffMs = ms;
    return this;
  }

  /** How long an attempt may wait for {@code welcome} before it is given up (and the next node tried), ms (default 5000). */
  public ChaosPeer joinTimeoutMs(long ms) {
    this.joinTimeoutMs = ms;
    return this;
  }

  /** Connects; the future completes at the first {@code welcome}, fails if the peer stops before one. */
  public Future<Void> start() {
    context.runOnContext(v -> {
      open();
      sendTimer = context.owner().setPeriodic(1 + random.nextLong(intervalMs), intervalMs, t -> tick());
    });
    return firstWelcome.future();
  }

  /** Peer id. */
  public String id() {
    return id;
  }

  /** Room name. */
  public String room() {
    return room;
  }

  /** The peers of the room as this peer was told (empty while not joined). */
  public Set<String> view() {
    return view;
  }

  /** Whether the peer is joined now: it got a {@code welcome} on its current socket, which is open. */
  public boolean connected() {
    return joined;
  }

  /** Whether the peer stopped for good ({@link #close()}, 1008, 4100, 4101 or a refused join). */
  public boolean stopped() {
    return stopped;
  }

  /** The node ({@code host:port}) of the current socket or attempt. */
  public String node() {
    return currentNode;
  }

  /** Reconnect attempts so far (after the first join). */
  public int reconnects() {
    return reconnects;
  }

  /** {@code id-taken} refusals so far (retried). */
  public int idTaken() {
    return idTaken;
  }

  /** Frames dropped because their {@code seq} had been seen (replays after a resume). */
  public int replaysDropped() {
    return replaysDropped;
  }

  /** Pauses ({@code false}) or resumes sending the numbered frames; the socket stays as it is. */
  public void sending(boolean on) {
    sending = on;
  }

  /** Closes the socket (1000) for good, with no reconnect, and records the end of the session. */
  public Future<Void> close() {
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      if (stopped) {
        done.complete();
        return;
      }
      WebSocket socket = ws;
      boolean wasJoined = joined;
      stop();
      if (socket != null) {
        socket.close((short) 1000, "closed by the client").onComplete(ar -> done.complete());
        if (wasJoined) {
          history.closed(id, 1000);
        }
      } else {
        done.complete();
      }
      history.sessionEnded(id);
    });
    return done.future();
  }

  // ------------------------------------------------------------------------------------------------

  private void stop() {
    stopped = true;
    joined = false;
    ws = null;
    context.owner().cancelTimer(sendTimer);
    context.owner().cancelTimer(retryTimer);
    context.owner().cancelTimer(joinTimer);
    peers.clear();
    view = Set.of();
    firstWelcome.tryFail("peer " + id + " stopped before its first welcome");
  }

  private void open() {
    if (stopped) {
      return;
    }
    int mine = ++attempt;
    String[] target = nodes.get(node);
    currentNode = target[0] + ":" + target[1];
    StringBuilder uri = new StringBuilder("/ws?protocol=v1&roomId=").append(enc(room)).append("&ClientId=").append(enc(id));
    if (resumeToken != null) {
      uri.append("&resume=").append(enc(resumeToken)).append("&received=").append(lastSeq);
    }
    joinTimer = context.owner().setTimer(joinTimeoutMs, t -> {
      if (mine == attempt && !joined) {
        WebSocket socket = ws;
        ws = null;
        if (socket != null) {
          socket.close((short) 1000, "no welcome in time");
        }
        retry(true);
      }
    });
    client.connect(new WebSocketConnectOptions().setHost(target[0]).setPort(Integer.parseInt(target[1]))
        .setURI(uri.toString()).setTimeout(joinTimeoutMs))
      .onComplete(ar -> {
        if (mine != attempt || stopped) {
          if (ar.succeeded()) {
            ar.result().close((short) 1000, "attempt given up"); // given up already
          }
          return;
        }
        if (ar.failed()) {
          context.owner().cancelTimer(joinTimer);
          retry(true);
          return;
        }
        WebSocket socket = ar.result();
        ws = socket;
        socket.textMessageHandler(text -> {
          if (ws == socket) {
            onText(socket, text);
          }
        });
        socket.exceptionHandler(t -> { });
        socket.closeHandler(v -> {
          if (ws == socket) {
            onClose(socket);
          }
        });
      });
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private void retry(boolean nextNode) {
    if (stopped) {
      return;
    }
    attempt++; // whatever the given-up attempt still reports is ignored
    context.owner().cancelTimer(joinTimer);
    context.owner().cancelTimer(retryTimer);
    if (nextNode) {
      node = (node + 1) % nodes.size();
    }
    long backoff = (long) (Math.min(maxBackoffMs, BACKOFF_START_MS << Math.min(failures++, 20)) * (0.8 + 0.4 * random.nextDouble()));
    reconnects++;
    retryTimer = context.owner().setTimer(Math.max(1, backoff), t -> open());
  }

  private void onClose(WebSocket socket) {
    context.owner().cancelTimer(joinTimer);
    Short status = socket.closeStatusCode();
    int code = status == null ? 1006 : status;
    boolean wasJoined = joined;
    ws = null;
    joined = false;
    peers.clear();
    view = Set.of();
    if (wasJoined) {
      history.closed(id, code);
    }
    if (code == 1008 || code >= 4100 && code <= 4199) {
      stop();
      history.sessionEnded(id);
      return;
    }
    // before welcome: the node refused or is going away; 1001: the node stops
    retry(!wasJoined || code == 1001);
  }

  private void onText(WebSocket socket, String text) {
    JsonObject f;
    try {
      f = new JsonObject(text);
    } catch (RuntimeException e) {
      return;
    }
    Object seq = f.getValue("seq");
    if (seq instanceof Number number) {
      if (number.longValue() <= lastSeq) {
        replaysDropped++;
        return;
      }
      lastSeq = number.longValue();
    }
    String type = f.getString("type", "");
    JsonObject d = f.getValue("data") instanceof JsonObject o ? o : new JsonObject();
    switch (type) {
      case "welcome" -> onWelcome(d);
      case "peer-joined" -> {
        String peer = d.getString("id");
        history.toldJoined(id, peer);
        peers.add(peer);
        view = Set.copyOf(peers);
      }
      case "peer-left" -> {
        String peer = d.getString("id");
        history.toldLeft(id, peer, d.getString("reason"));
        peers.remove(peer);
        view = Set.copyOf(peers);
      }
      case "ice-candidate" -> {
        Object n = d.getValue("n");
        if (n instanceof Number number && f.getString("from") != null) {
          history.received(id, f.getString("from"), number.longValue());
        }
      }
      case "error" -> onError(socket, d);
      default -> {
      }
    }
  }

  private void onWelcome(JsonObject d) {
    context.owner().cancelTimer(joinTimer);
    boolean resumed = Boolean.TRUE.equals(d.getValue("resumed"));
    List<String> list = new ArrayList<>();
    JsonArray ps = d.getJsonArray("peers", new JsonArray());
    for (int i = 0; i < ps.size(); i++) {
      list.add(String.valueOf(ps.getValue(i)));
    }
    resumeToken = d.getValue("resumeToken") instanceof String s ? s : null;
    lastSeq = d.getValue("seq") instanceof Number n ? n.longValue() : 0;
    history.welcome(id, resumed, list);
    peers.clear();
    peers.addAll(list);
    view = Set.copyOf(peers);
    joined = true;
    failures = 0;
    firstWelcome.tryComplete();
  }

  private void onError(WebSocket socket, JsonObject d) {
    String code = d.getString("code");
    if (joined) {
      history.error(id, d.getValue("to") instanceof String to ? to : null, code);
      return;
    }
    // before welcome: the join was refused
    ws = null;
    socket.close((short) 1000, "retrying");
    context.owner().cancelTimer(joinTimer);
    if ("id-taken".equals(code) || "unavailable".equals(code)) {
      if ("id-taken".equals(code)) {
        idTaken++;
      }
      retry(false);
    } else {
      stop();
      history.sessionEnded(id);
    }
  }

  private void tick() {
    if (!joined || !sending || ws == null || ws.isClosed()) {
      // (closed: the hub's close frame has arrived, the close handler not run yet. Vert.x refuses the write, as a
      // browser's send() in state CLOSING drops it and /client.js's send returns false: not sent, not recorded)
      return;
    }
    for (String peer : peers) {
      long n = next.merge(peer, 1L, Long::sum);
      JsonObject data = new JsonObject().put("candidate", candidateBase).put("sdpMid", "0").put("sdpMLineIndex", 0).put("n", n);
      String frame = new JsonObject().put("type", "ice-candidate").put("to", peer).put("data", data).encode();
      history.sent(id, peer, n);
      ws.writeTextMessage(frame);
    }
  }
}
