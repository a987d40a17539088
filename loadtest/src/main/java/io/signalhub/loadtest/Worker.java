package io.signalhub.loadtest;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.internal.ContextInternal;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * One event loop of the load generator. It owns whole rooms (room {@code r} belongs to worker
 * {@code r % workers}), so everything about a room, its peers and its links is touched by this thread only.
 */
final class Worker extends VerticleBase {

  private final LoadTest run;
  private final int index;
  private final List<Room> rooms = new ArrayList<>();
  private final List<Link> links = new ArrayList<>();
  private final SplittableRandom random;
  private WebSocketClient[] clients;
  private int started;
  private int connecting;
  private long rampTimer = -1;
  private long heartbeatTimer = -1;
  private long heartbeatTick;
  /** Sends of the steady step in progress. */
  private long steadySent;

  Worker(LoadTest run, int index) {
    this.run = run;
    this.index = index;
    this.random = new SplittableRandom(index * 7919L + 17);
  }

  /** Adds room {@code index} of {@code size} peers to this worker (before it is deployed). */
  void addRoom(int index, int size) {
    rooms.add(new Room(index, size));
  }

  @Override
  public Future<?> start() {
    List<String> locals = run.cfg.localAddresses();
    int n = Math.max(1, locals.size());
    clients = new WebSocketClient[n];
    for (int i = 0; i < n; i++) {
      WebSocketClientOptions options = new WebSocketClientOptions().setMaxConnections(Integer.MAX_VALUE)
        .setMaxFrameSize(1 << 20).setMaxMessageSize(1 << 20).setConnectTimeout(30_000).setTcpNoDelay(true);
      if (!locals.isEmpty()) {
        options.setLocalAddress(locals.get(i));
      }
      clients[i] = vertx.createWebSocketClient(options);
    }
    if (run.driver.heartbeat() != null) {
      heartbeatTimer = vertx.setPeriodic(1000, t -> heartbeats());
    }
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    List<Future<Void>> closing = new ArrayList<>();
    for (WebSocketClient client : clients) {
      closing.add(client.close());
    }
    return Future.join(closing);
  }

  // ---- set-up: connect the rooms' peers at the ramp rate, negotiate every pair

  /** Starts connecting this worker's rooms at {@code roomsPerSecond} (0: as fast as allowed). */
  void startSetup(double roomsPerSecond) {
    context.runOnContext(v -> {
      long t0 = System.nanoTime();
      rampTimer = vertx.setPeriodic(5, t -> {
        double elapsed = (System.nanoTime() - t0) / 1e9;
        long due = roomsPerSecond <= 0 ? rooms.size() : 1 + (long) (elapsed * roomsPerSecond);
        while (started < rooms.size() && started < due && connecting < run.cfg.maxConnecting) {
          connect(rooms.get(started++));
        }
        if (started >= rooms.size()) {
          vertx.cancelTimer(rampTimer);
        }
      });
    });
  }

  private void connect(Room room) {
    room.startedAt = System.nanoTime();
    for (Peer peer : room.peers) {
      int n = run.targets.size();
      peer.target = switch (run.cfg.placement) {
        case spread -> (room.index + peer.index) % n;
        case random -> random.nextInt(n);
        case room -> room.index % n;
      };
      LoadTest.Target target = run.targets.get(peer.target);
      connecting++;
      run.connecting.incrementAndGet();
      long t = System.nanoTime();
      peer.client().connect(new WebSocketConnectOptions().setHost(target.host()).setPort(target.port())
          .setURI(run.driver.uri(target.path(), room.name, peer.id)))
        .onComplete(ar -> {
          connecting--;
          run.connecting.decrementAndGet();
          if (ar.failed()) {
            run.error("connect: " + shortText(ar.cause()));
            room.fail();
            return;
          }
          peer.connected(ar.result(), t);
        });
    }
  }

  private static String shortText(Throwable t) {
    if (t instanceof UpgradeRejectedException rejected && rejected.getStatus() == 429) {
      // the hub's per-address cap: name the setting and the tool's option, not just the status
      return "HTTP 429, too many connections from one source address (hub setting maxConnectionsPerIp, default 100 "
        + "per node): spread them with --local-address, or raise the setting";
    }
    String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    return m.length() > 80 ? m.substring(0, 80) : m;
  }

  private void heartbeats() {
    long tick = heartbeatTick++;
    int every = Math.max(1, run.cfg.heartbeatSeconds);
    String frame = run.driver.heartbeat();
    for (Room room : rooms) {
      if ((room.index + tick) % every == 0) {
        for (Peer peer : room.peers) {
          if (peer.ws != null && !peer.closed) {
            peer.ws.writeTextMessage(frame);
          }
        }
      }
    }
  }

  // ---- steady steps: open loop, every link in turn, each message stamped with its scheduled time

  /**
   * Sends this worker's share of {@code totalRate} messages per second from {@code startNanos} until
   * {@code endNanos} (both {@link System#nanoTime()}), as candidates stamped with their scheduled time.
   */
  void steady(int step, double totalRate, int totalLinks, long startNanos, long endNanos) {
    context.runOnContext(v -> {
      if (links.isEmpty() || totalRate <= 0) {
        return;
      }
      double rate = totalRate * links.size() / totalLinks;
      steadySent = 0;
      steadyStep = step;
      steadyNanosPerMessage = 1e9 / rate;
      steadyStart = startNanos;
      steadyEnd = endNanos;
      steadyTick();
    });
  }

  private int steadyStep;
  private double steadyNanosPerMessage;
  private long steadyStart;
  private long steadyEnd;
  private final StringBuilder stampBuilder = new StringBuilder(64);
  /** The numbers of the stamp being read (this worker's event loop reads one frame at a time). */
  private final long[] stampFields = new long[6];

  /**
   * Sends every message due by now, then sleeps until the next one is due (Netty's scheduler: exact to the
   * µs while the loop is busy, to about 1 ms when idle; the report's send lag shows what that costs).
   */
  private void steadyTick() {
    long now = System.nanoTime();
    long until = Math.min(now, steadyEnd);
    long due = until < steadyStart ? 0 : 1 + (long) ((until - steadyStart) / steadyNanosPerMessage);
    long last = (long) Math.ceil((steadyEnd - steadyStart) / steadyNanosPerMessage);
    due = Math.min(due, last);
    int n = links.size();
    LoadTest.Step stats = run.steps.get(steadyStep);
    String suffix = run.driver.candidateSuffix();
    StringBuilder b = stampBuilder;
    while (steadySent < due) {
      long scheduled = steadyStart + (long) (steadySent * steadyNanosPerMessage);
      Link link = links.get((int) (steadySent % n));
      steadySent++;
      b.setLength(0);
      b.append(link.prefix);
      link.room.stamp(b, 'S', steadyStep, link.from, link.to, scheduled);
      String frame = b.append(suffix).toString();
      Peer peer = link.room.peers[link.from];
      stats.sent.increment();
      stats.sendLag.recordValue(Math.max(0, (System.nanoTime() - scheduled) / 1000));
      if (peer.closed) {
        run.error("send on a closed connection");
      } else {
        peer.ws.writeTextMessage(frame);
      }
    }
    if (steadySent >= last) {
      return;
    }
    long next = steadyStart + (long) (steadySent * steadyNanosPerMessage);
    long delay = Math.max(0, next - System.nanoTime());
    ((ContextInternal) context).nettyEventLoop().schedule(this::steadyTick, delay, TimeUnit.NANOSECONDS);
  }

  /** Closes every connection; completes when all are closed (or after {@code timeoutMs}). */
  Future<Void> closeAll(long timeoutMs) {
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      vertx.cancelTimer(rampTimer);
      vertx.cancelTimer(heartbeatTimer);
      steadyEnd = 0;
      List<Future<Void>> closing = new ArrayList<>();
      for (Room room : rooms) {
        for (Peer peer : room.peers) {
          if (peer.ws != null && !peer.closed) {
            closing.add(peer.ws.close());
          }
        }
      }
      long timer = vertx.setTimer(timeoutMs, t -> done.tryComplete());
      Future.join(closing).onComplete(ar -> {
        vertx.cancelTimer(timer);
        done.tryComplete();
      });
    });
    return done.future();
  }

  // ---- reconnect storm (--storm-kill): peers whose node was killed reconnect as /client.js does

  /** Most {@code id-taken} refusals in a row a reconnecting peer retries (as {@code /client.js}). */
  static final int ID_TAKEN_RETRIES = 5;
  /** {@code /client.js}'s backoff: 500 ms doubling per attempt up to 10 s, ±20 % jitter. */
  static final long BACKOFF_START_MS = 500;
  static final long BACKOFF_MAX_MS = 10_000;

  /** A directed link of a room that finished its set-up: {@code from} sends steady messages to {@code to}. */
  static final class Link {
    final Room room;
    final int from;
    final int to;
    final String prefix;

    Link(Room room, int from, int to, String prefix) {
      this.room = room;
      this.from = from;
      this.to = to;
      this.prefix = prefix;
    }
  }

  /** One room of P peers: set-up progress and, per directed link, the sequence numbers sent and seen. */
  final class Room {
    final int index;
    final String name;
    final Peer[] peers;
    /** Next sequence number per directed link [from][to]. */
    final long[][] nextOut;
    /** Highest sequence number received per directed link [from][to]. */
    final long[][] highestIn;
    long startedAt;
    /** Whether this room was {@link #whole()} at its last change. */
    boolean wasWhole;
    int ready;
    /** Set-up messages still to be delivered before the room is set up. */
    int pending;
    boolean done;
    boolean failed;

    Room(int index, int size) {
      this.index = index;
      this.name = run.runId + "-r" + index;
      this.peers = new Peer[size];
      for (int p = 0; p < size; p++) {
        peers[p] = new Peer(this, p, name + "-p" + p);
      }
      nextOut = new long[size][size];
      highestIn = new long[size][size];
      for (long[] row : highestIn) {
        java.util.Arrays.fill(row, -1);
      }
      int pairs = size * (size - 1) / 2;
      pending = pairs * (2 + 2 * run.cfg.candidates);
    }

    /** Every peer connected and joined (not reconnecting), each seeing every other in the room. */
    boolean whole() {
      for (Peer peer : peers) {
        if (peer.ws == null || peer.closed || peer.reconnecting) {
          return false;
        }
        for (int i = 0; i < peers.length; i++) {
          if (i != peer.index && !peer.sees[i]) {
            return false;
          }
        }
      }
      return true;
    }

    /** The index in this room of peer {@code id}, or -1 when it is not one of this room's ids. */
    int indexOf(String id) {
      if (id == null || !id.startsWith(name) || id.length() < name.length() + 3 || id.charAt(name.length() + 1) != 'p') {
        return -1;
      }
      try {
        int i = Integer.parseInt(id.substring(name.length() + 2));
        return i < peers.length ? i : -1;
      } catch (NumberFormatException e) {
        return -1;
      }
    }

    /** A peer's view or state changed: counts this room's move to or from whole ({@link LoadTest#roomWholeChanged}). */
    void viewChanged() {
      boolean now = whole();
      if (now != wasWhole) {
        wasWhole = now;
        run.roomWholeChanged(now);
      }
    }

    void stamp(StringBuilder b, char kind, int step, int from, int to, long scheduledNanos) {
      b.append(kind).append('.').append(step).append('.').append(index).append('.').append(from).append('.')
        .append(to).append('.').append(nextOut[from][to]++).append('.').append(run.micros(scheduledNanos));
    }

    void fail() {
      if (!failed && !done) {
        failed = true;
        run.roomsFailed.incrementAndGet();
      }
    }

    void peerReady() {
      if (++ready == peers.length && !failed) {
        for (int i = 0; i < peers.length; i++) {
          for (int j = i + 1; j < peers.length; j++) {
            peers[i].sendSdp('O', j);
            peers[i].sendCandidates(j);
          }
        }
      }
    }

    void setupDelivered() {
      if (--pending == 0 && !failed) {
        done = true;
        run.roomSetup.recordValue(Math.max(0, (System.nanoTime() - startedAt) / 1000));
        run.lastRoomSetUp.accumulateAndGet(System.nanoTime(), Math::max);
        run.roomsReady.incrementAndGet();
        for (int from = 0; from < peers.length; from++) {
          for (int to = 0; to < peers.length; to++) {
            if (from != to) {
              links.add(new Link(this, from, to, run.driver.candidatePrefix(peers[to].id,
                Payloads.candidate(run.cfg.candidateBytes, from * 31 + to, random))));
              if (peers[from].target != peers[to].target) {
                run.crossLinks.incrementAndGet();
              }
            }
          }
        }
      }
    }
  }

  /** One peer connection. */
  final class Peer {
    final Room room;
    final int index;
    final String id;
    WebSocket ws;
    boolean closed;
    /** The target (index in {@code run.targets}) it connected to last. */
    int target;
    /** Which peers of its room it sees: from {@code welcome}, {@code peer-joined} and {@code peer-left}. */
    final boolean[] sees;
    /** Storm: its socket dropped and it has no {@code welcome} on a new one yet. */
    boolean reconnecting;
    /** Storm: reconnect attempts since the drop, and {@code id-taken} refusals in a row. */
    int attempt;
    int idTaken;
    /** The resume token of its last {@code welcome}, and the number of the last numbered frame received. */
    String resumeToken;
    long lastSeq;
    /** What its last control frame said (read on this worker's event loop only). */
    private final Driver.Seen seen = new Driver.Seen();

    Peer(Room room, int index, String id) {
      this.room = room;
      this.index = index;
      this.id = id;
      this.sees = new boolean[room.peers.length];
    }

    /** The WebSocket client of this peer's source address. */
    WebSocketClient client() {
      return clients[(room.index * room.peers.length + index) % clients.length];
    }

    void connected(WebSocket socket, long connectStart) {
      ws = socket;
      closed = false;
      run.open.incrementAndGet();
      ws.textMessageHandler(text -> onText(text, connectStart));
      ws.exceptionHandler(t -> {
        if (!run.storming) {
          run.error("socket: " + shortText(t));
        }
      });
      ws.closeHandler(v -> {
        if (ws != socket) {
          return;
        }
        closed = true;
        run.open.decrementAndGet();
        if (run.closing) {
          return;
        }
        if (run.storming && room.done) {
          dropped();
        } else {
          run.error("closed by the server: " + socket.closeStatusCode() + " " + socket.closeReason());
          room.fail();
        }
      });
    }

    /** Storm: the socket dropped; reconnect as {@code /client.js} does. */
    private void dropped() {
      java.util.Arrays.fill(sees, false);
      if (!reconnecting) {
        reconnecting = true;
        run.stormDropped.incrementAndGet();
      }
      room.viewChanged();
      retry();
    }

    private void retry() {
      double backoff = BACKOFF_START_MS * Math.pow(2, attempt++) * (0.8 + 0.4 * random.nextDouble());
      vertx.setTimer(Math.max(1, Math.min(BACKOFF_MAX_MS, (long) backoff)), t -> reconnect());
    }

    /** The next target in turn (a killed node refuses; the next attempt tries the one after it). */
    private void reconnect() {
      if (run.closing) {
        return;
      }
      target = (target + 1) % run.targets.size();
      LoadTest.Target to = run.targets.get(target);
      run.stormAttempts.incrementAndGet();
      long t = System.nanoTime();
      client().connect(new WebSocketConnectOptions().setHost(to.host()).setPort(to.port())
          .setURI(run.driver.resumeUri(to.path(), room.name, id, resumeToken, lastSeq)))
        .onComplete(ar -> {
          if (ar.failed()) {
            run.stormRefusal("connect: " + shortText(ar.cause()));
            retry();
          } else {
            connected(ar.result(), t);
          }
        });
    }

    private void onText(String text, long connectStart) {
      int at = text.lastIndexOf(Driver.MARK); // the stamp is the payload's last field: found from the end
      if (run.storming) {
        long seq = Driver.V1.seqOf(text);
        if (seq > lastSeq) {
          lastSeq = seq;
        }
      }
      if (at < 0) {
        control(text, connectStart);
        return;
      }
      received(text, at + Driver.MARK.length());
    }

    private void control(String text, long connectStart) {
      Driver.Control c;
      try {
        c = run.driver.control(text, seen);
      } catch (RuntimeException malformed) {
        run.error("malformed frame");
        return;
      }
      switch (c) {
        case READY -> {
          java.util.Arrays.fill(sees, false);
          for (String other : seen.peers) {
            see(other, true);
          }
          resumeToken = seen.resumeToken;
          lastSeq = seen.seq;
          if (reconnecting) {
            reconnecting = false;
            attempt = 0;
            idTaken = 0;
            run.peerBack(text.contains("\"resumed\":true"));
          } else {
            run.joined.recordValue(Math.max(0, (System.nanoTime() - connectStart) / 1000));
            room.peerReady();
          }
          room.viewChanged();
        }
        case JOINED -> {
          see(seen.peer, true);
          room.viewChanged();
        }
        case LEFT -> {
          see(seen.peer, false);
          room.viewChanged();
        }
        case ERROR -> {
          if (reconnecting && ("error:unavailable".equals(seen.code)
            || ("error:id-taken".equals(seen.code) && ++idTaken <= ID_TAKEN_RETRIES))) {
            run.stormRefusal(seen.code); // as /client.js: our old connection may still hold the id for a moment
            WebSocket old = ws;
            ws = null;
            old.close();
            run.open.decrementAndGet();
            retry();
          } else {
            run.error(seen.code);
          }
        }
        default -> { }
      }
    }

    private void see(String other, boolean present) {
      int i = room.indexOf(other);
      if (i >= 0 && i != index) {
        sees[i] = present;
      }
    }

    /** Reads the stamp {@code <kind>.<step>.<room>.<from>.<to>.<seq>.<micros>} at {@code i}. */
    private void received(String text, int i) {
      long now = System.nanoTime();
      char kind = text.charAt(i);
      i += 2;
      long[] f = stampFields;
      for (int k = 0; k < 6; k++) {
        long v = 0;
        char c;
        while (i < text.length() && (c = text.charAt(i)) >= '0' && c <= '9') {
          v = v * 10 + (c - '0');
          i++;
        }
        f[k] = v;
        i++;
      }
      int step = (int) f[0];
      int from = (int) f[2];
      long seq = f[4];
      LoadTest.Step stats = run.steps.get(step);
      stats.received.increment();
      if (f[1] != room.index || f[3] != index || from >= room.peers.length || from == index) {
        stats.misrouted.increment();
        return;
      }
      stats.latency.recordValue(Math.max(0, run.micros(now) - f[5]));
      if (seq <= room.highestIn[from][index]) {
        stats.reordered.increment();
      } else {
        room.highestIn[from][index] = seq;
      }
      if (kind == 'S') {
        return;
      }
      if (kind == 'O') {
        room.peers[index].sendSdp('A', from);
        room.peers[index].sendCandidates(from);
      }
      room.setupDelivered();
    }

    void sendSdp(char kind, int to) {
      int min = run.cfg.sdpMin;
      int size = min + (run.cfg.sdpMax > min ? random.nextInt(run.cfg.sdpMax - min + 1) : 0);
      StringBuilder b = new StringBuilder(64);
      room.stamp(b, kind, 0, index, to, System.nanoTime());
      send(run.driver.sdpFrame(kind, room.peers[to].id, Payloads.sdp(size, random), b.toString()));
    }

    void sendCandidates(int to) {
      for (int k = 0; k < run.cfg.candidates; k++) {
        StringBuilder b = new StringBuilder(64);
        room.stamp(b, 'C', 0, index, to, System.nanoTime());
        send(run.driver.candidatePrefix(room.peers[to].id, Payloads.candidate(run.cfg.candidateBytes, k, random))
          + b + run.driver.candidateSuffix());
      }
    }

    private void send(String frame) {
      run.steps.get(0).sent.increment();
      if (closed) {
        run.error("send on a closed connection");
      } else {
        ws.writeTextMessage(frame);
      }
    }
  }
}
