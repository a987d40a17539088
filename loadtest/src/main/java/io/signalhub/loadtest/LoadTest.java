package io.signalhub.loadtest;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * One run of the load tool: connects the rooms, negotiates every pair, then runs the steady steps (a
 * warm-up, then each rate of the ladder) and returns the report as JSON (shape in
 * {@code docs/benchmarks.md}). Times in the report are in ms, rates in messages per second, sizes in bytes.
 */
final class LoadTest {

  /** A server to connect to: host, port, and the path (with query, if any) of its WebSocket. */
  record Target(String host, int port, String path) {
    static Target parse(String url) {
      URI uri = URI.create(url);
      if (!"ws".equals(uri.getScheme()) || uri.getHost() == null) {
        throw new IllegalArgumentException("target must be ws://host:port/path, got '" + url + "'");
      }
      String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
      return new Target(uri.getHost(), uri.getPort() == -1 ? 80 : uri.getPort(),
        uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery());
    }
  }

  /** Counters and latencies (µs) of one phase: the set-up (index 0), the warm-up, a step of the ladder. */
  static final class Step {
    final String name;
    final double rate;
    final int seconds;
    final LongAdder sent = new LongAdder();
    final LongAdder received = new LongAdder();
    final LongAdder reordered = new LongAdder();
    final LongAdder misrouted = new LongAdder();
    final Recorder latency = new Recorder(3);
    /** How late the generator sent each message after its scheduled time, µs. */
    final Recorder sendLag = new Recorder(3);
    final Histogram total = new Histogram(3);
    final JsonArray timeline = new JsonArray();

    Step(String name, double rate, int seconds) {
      this.name = name;
      this.rate = rate;
      this.seconds = seconds;
    }
  }

  final LoadTestCommand cfg;
  final Driver driver;
  final List<Target> targets = new ArrayList<>();
  final String runId;
  final List<Step> steps = new ArrayList<>();
  final Recorder joined = new Recorder(3);
  final Recorder roomSetup = new Recorder(3);
  final AtomicInteger roomsReady = new AtomicInteger();
  final AtomicInteger roomsFailed = new AtomicInteger();
  final AtomicInteger open = new AtomicInteger();
  final AtomicInteger connecting = new AtomicInteger();
  /** Directed links of the rooms set up whose two peers connected to different targets. */
  final AtomicInteger crossLinks = new AtomicInteger();
  /** When the last room finished its set-up ({@link System#nanoTime()}). */
  final java.util.concurrent.atomic.AtomicLong lastRoomSetUp = new java.util.concurrent.atomic.AtomicLong();
  final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
  volatile boolean closing;
  /** Set just before {@code --storm-kill}'s node is killed: from then on a dropped socket reconnects. */
  volatile boolean storming;
  /** Storm: peers whose socket dropped, peers back (welcome on a new socket), of them resumed, connect attempts. */
  final AtomicInteger stormDropped = new AtomicInteger();
  final AtomicInteger stormBack = new AtomicInteger();
  final AtomicInteger stormResumed = new AtomicInteger();
  final AtomicInteger stormAttempts = new AtomicInteger();
  /** Storm: time from the kill to each peer's welcome on a new socket, µs. */
  final Recorder stormBackTimes = new Recorder(3);
  /** Storm: when the last dropped peer got its welcome ({@link System#nanoTime()}). */
  final java.util.concurrent.atomic.AtomicLong lastBack = new java.util.concurrent.atomic.AtomicLong();
  /** Storm: refused or failed reconnect attempts, by cause (retried, not errors of the run). */
  final Map<String, LongAdder> stormRefusals = new ConcurrentHashMap<>();
  /** Rooms not whole ({@link Worker.Room#whole()}): all of them before their set-up. */
  final AtomicInteger roomsNotWhole;
  /** When the last room became whole again ({@link System#nanoTime()}). */
  final java.util.concurrent.atomic.AtomicLong lastAllWhole = new java.util.concurrent.atomic.AtomicLong();
  private volatile long killNanos;
  private final long origin = System.nanoTime();
  private final PrintStream out;
  private final JsonArray timeline = new JsonArray();

  LoadTest(LoadTestCommand cfg, PrintStream out) {
    this.cfg = cfg;
    this.out = out;
    this.driver = Driver.named(cfg.dialect, cfg.peerJsKey);
    for (String t : cfg.targets) {
      targets.add(Target.parse(t));
    }
    this.runId = cfg.runId != null ? cfg.runId : "lt" + Long.toString(System.nanoTime() & 0xffffff, 36);
    this.roomsNotWhole = new AtomicInteger(cfg.rooms);
  }

  /** Storm: a peer got its {@code welcome} on a new socket ({@code resumed}: its session carried on). */
  void peerBack(boolean resumed) {
    long now = System.nanoTime();
    stormBackTimes.recordValue(Math.max(0, (now - killNanos) / 1000));
    lastBack.accumulateAndGet(now, Math::max);
    stormBack.incrementAndGet();
    if (resumed) {
      stormResumed.incrementAndGet();
    }
  }

  void stormRefusal(String cause) {
    stormRefusals.computeIfAbsent(cause, k -> new LongAdder()).increment();
  }

  /** A room became whole ({@code true}) or stopped being whole. */
  void roomWholeChanged(boolean whole) {
    if (whole) {
      if (roomsNotWhole.decrementAndGet() == 0) {
        lastAllWhole.set(System.nanoTime());
      }
    } else {
      roomsNotWhole.incrementAndGet();
    }
  }

  long micros(long nanos) {
    return (nanos - origin) / 1000;
  }

  void error(String code) {
    errors.computeIfAbsent(code, k -> new LongAdder()).increment();
  }

  long errorCount() {
    return errors.values().stream().mapToLong(LongAdder::sum).sum();
  }

  /** Runs the whole test; the report as JSON. */
  JsonObject run() throws Exception {
    JsonObject report = new JsonObject().put("tool", "signalhub loadtest").put("startedAt", Instant.now().toString())
      .put("machine", machine()).put("config", cfg.toJson(runId));
    List<ProcessProbe> servers = new ArrayList<>();
    for (long pid : cfg.serverPids) {
      servers.add(new ProcessProbe(pid));
    }
    int threads = cfg.threads > 0 ? cfg.threads : Math.min(4, Runtime.getRuntime().availableProcessors());
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(threads));
    List<Worker> workers = new ArrayList<>();
    try {
      for (int w = 0; w < threads; w++) {
        workers.add(new Worker(this, w));
      }
      for (int r = 0; r < cfg.rooms; r++) {
        workers.get(r % threads).addRoom(r, cfg.peers);
      }
      for (Worker w : workers) {
        vertx.deployVerticle(w).await(30, TimeUnit.SECONDS);
      }
      Long heapBefore = null;
      if (cfg.measureHeap) {
        heapBefore = heapOfServers(servers);
      }

      // ---- set-up
      Step setup = new Step("setup", 0, 0);
      steps.add(setup);
      long[] setupCpu0 = cpuOf(servers);
      long t0 = System.nanoTime();
      double roomsPerSecond = cfg.connectRate <= 0 ? 0 : cfg.connectRate / (double) cfg.peers / threads;
      for (Worker w : workers) {
        w.startSetup(roomsPerSecond);
      }
      long deadline = t0 + TimeUnit.SECONDS.toNanos(cfg.setupTimeout);
      long lastRecv = 0;
      long lastSent = 0;
      int second = 0;
      while (roomsReady.get() + roomsFailed.get() < cfg.rooms && System.nanoTime() < deadline) {
        sleepUntil(t0 + TimeUnit.SECONDS.toNanos(++second), deadline);
        long s = setup.sent.sum();
        long r = setup.received.sum();
        Histogram interval = setup.latency.getIntervalHistogram();
        setup.total.add(interval);
        sample(setup, second, s - lastSent, r - lastRecv, interval);
        lastSent = s;
        lastRecv = r;
        out.printf("[%4ds] setup   rooms %d/%d set up, %d failed, %d connections open, %d connecting, "
            + "messages %d/%d delivered, errors %d%n", second, roomsReady.get(), cfg.rooms, roomsFailed.get(),
          open.get(), connecting.get(), r, s, errorCount());
      }
      long setupNanos = (roomsReady.get() == cfg.rooms ? lastRoomSetUp.get() : System.nanoTime()) - t0;
      setup.total.add(setup.latency.getIntervalHistogram());
      int incomplete = cfg.rooms - roomsReady.get() - roomsFailed.get();
      Histogram joinH = joined.getIntervalHistogram();
      Histogram roomH = roomSetup.getIntervalHistogram();
      JsonObject setupJson = new JsonObject().put("rooms", cfg.rooms).put("peersPerRoom", cfg.peers)
        .put("roomsSetUp", roomsReady.get()).put("roomsFailed", roomsFailed.get()).put("roomsIncomplete", incomplete)
        .put("connections", open.get())
        .put("crossTargetLinkShare", roomsReady.get() == 0 ? null
          : round3(crossLinks.get() / (double) (roomsReady.get() * cfg.peers * (cfg.peers - 1))))
        .put("wallMs", round(setupNanos / 1e6))
        .put("allRoomsSetUp", incomplete == 0 && roomsFailed.get() == 0)
        .put("connectJoinMs", summary(joinH)).put("roomSetupMs", summary(roomH))
        .put("sent", setup.sent.sum()).put("received", setup.received.sum())
        .put("lost", Math.max(0, setup.sent.sum() - setup.received.sum()))
        .put("reordered", setup.reordered.sum()).put("misrouted", setup.misrouted.sum())
        .put("forwardMs", summary(setup.total));
      long setupCpu = 0;
      long[] setupCpu1 = cpuOf(servers);
      JsonArray perServer = new JsonArray();
      for (int i = 0; i < servers.size(); i++) {
        setupCpu += setupCpu1[i] - setupCpu0[i];
        perServer.add(new JsonObject().put("pid", servers.get(i).pid()).put("cpuMs", round((setupCpu1[i] - setupCpu0[i]) / 1e6)));
      }
      if (!servers.isEmpty()) {
        // connect, join, the negotiation's messages and whatever the servers did meanwhile (GC, cluster upkeep)
        setupJson.put("servers", perServer).put("serverCpuMs", round(setupCpu / 1e6))
          .put("serverCpuMsPerRoom", roomsReady.get() == 0 ? null : round3(setupCpu / 1e6 / roomsReady.get()));
      }
      report.put("setup", setupJson);
      out.printf("set-up: %d of %d rooms set up in %.0f ms (%d failed, %d incomplete); room set-up p50 %.1f ms, "
          + "p99 %.1f ms; connect+join p99 %.1f ms%n", roomsReady.get(), cfg.rooms, setupNanos / 1e6,
        roomsFailed.get(), incomplete, ms(roomH, 50), ms(roomH, 99), ms(joinH, 99));

      if (cfg.measureHeap) {
        out.printf("heap: waiting %d s with the connections idle%n", cfg.heapSettleSeconds);
        Thread.sleep(cfg.heapSettleSeconds * 1000L); // let the servers settle (room events, frames kept for a resume)
        Long heapAfter = heapOfServers(servers);
        if (heapBefore != null && heapAfter != null) {
          int conns = open.get();
          report.put("heap", new JsonObject().put("beforeBytes", heapBefore).put("afterBytes", heapAfter)
            .put("idleSecondsBefore", cfg.heapSettleSeconds)
            .put("connections", conns).put("bytesPerConnection", conns == 0 ? 0 : (heapAfter - heapBefore) / conns));
          out.printf("heap: %d -> %d bytes of live objects with %d connections: %d bytes per connection%n", heapBefore,
            heapAfter, conns, conns == 0 ? 0 : (heapAfter - heapBefore) / conns);
        }
      }

      if (cfg.stormKill != null) {
        report.put("storm", storm(cfg.stormKill));
      }

      // ---- warm-up and steady steps
      int totalLinks = roomsReady.get() * cfg.peers * (cfg.peers - 1);
      List<Double> rates = new ArrayList<>(cfg.rates);
      JsonArray stepsJson = new JsonArray();
      double maxSustained = 0;
      boolean anyLoss = setupJson.getLong("lost") > 0 || setup.misrouted.sum() > 0;
      double warmRate = cfg.warmupRate > 0 ? cfg.warmupRate : rates.isEmpty() ? 0 : rates.get(0);
      if (totalLinks > 0 && cfg.warmup > 0 && warmRate > 0) {
        Step warm = new Step("warmup", warmRate, cfg.warmup);
        steps.add(warm);
        JsonObject w = runStep(steps.size() - 1, workers, totalLinks, servers);
        anyLoss |= w.getLong("lost") > 0 || w.getLong("misrouted") > 0;
        stepsJson.add(w);
        for (ProcessProbe server : servers) {
          server.gc(); // a warm JIT, and the warm-up's garbage gone
        }
      }
      boolean failedOnce = false;
      int failedSteps = 0;
      for (double rate : rates) {
        if (totalLinks == 0 || rate <= 0) {
          break;
        }
        steps.add(new Step("step", rate, cfg.duration));
        JsonObject s = runStep(steps.size() - 1, workers, totalLinks, servers);
        stepsJson.add(s);
        anyLoss |= s.getLong("lost") > 0 || s.getLong("misrouted") > 0;
        if (s.getBoolean("pass")) {
          maxSustained = Math.max(maxSustained, rate);
        } else if (cfg.stopAfterFailures > 0 && ++failedSteps >= cfg.stopAfterFailures) {
          failedOnce = true;
          break;
        }
      }
      report.put("steps", stepsJson);
      if (cfg.hold > 0) {
        out.printf("holding %d connections open, idle, for %d s%n", open.get(), cfg.hold);
        Thread.sleep(cfg.hold * 1000L);
      }
      report.put("maxSustainedRate", maxSustained).put("ladderStoppedEarly", failedOnce);
      report.put("lost", anyLoss);
    } finally {
      closing = true;
      for (Worker w : workers) {
        try {
          w.closeAll(5000).await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
          // closing anyway
        }
      }
      vertx.close().await(30, TimeUnit.SECONDS);
    }
    JsonObject errs = new JsonObject();
    new TreeMap<>(errors).forEach((k, v) -> errs.put(k, v.sum()));
    report.put("errors", errs).put("timeline", timeline);
    boolean ok = !report.getBoolean("lost", true) && report.getJsonObject("setup").getBoolean("allRoomsSetUp")
      && (report.getJsonObject("storm") == null || report.getJsonObject("storm").getBoolean("pass"));
    report.put("result", ok ? "pass" : "fail");
    return report;
  }

  /**
   * The reconnect storm: kills {@code pid} (SIGKILL), then waits until every peer whose socket dropped has a
   * {@code welcome} on a new one (they reconnect as {@code /client.js} does, to the next target in turn) and every
   * room is whole again, then {@code --storm-settle} more seconds in which it must stay so; at most
   * {@code --storm-timeout} s. Times in ms from the kill.
   */
  private JsonObject storm(long pid) throws Exception {
    ProcessHandle node = ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException("no process " + pid + " to kill"));
    int wholeBefore = cfg.rooms - roomsNotWhole.get();
    storming = true;
    killNanos = System.nanoTime();
    node.destroyForcibly();
    node.onExit().get(10, TimeUnit.SECONDS);
    out.printf("storm: killed %d (SIGKILL); %d of %d rooms were whole%n", pid, wholeBefore, cfg.rooms);
    long deadline = killNanos + TimeUnit.SECONDS.toNanos(cfg.stormTimeout);
    long settledSince = 0;
    int second = 0;
    while (System.nanoTime() < deadline) {
      sleepUntil(killNanos + TimeUnit.MILLISECONDS.toNanos(250L * ++second), deadline);
      int dropped = stormDropped.get();
      boolean done = dropped > 0 && stormBack.get() >= dropped && roomsNotWhole.get() == 0;
      if (second % 4 == 0) {
        out.printf("[%5.1fs] storm   %d dropped, %d back (%d resumed), %d rooms not whole, %d connect attempts%n",
          (System.nanoTime() - killNanos) / 1e9, dropped, stormBack.get(), stormResumed.get(), roomsNotWhole.get(),
          stormAttempts.get());
      }
      if (!done) {
        settledSince = 0;
      } else if (settledSince == 0) {
        settledSince = System.nanoTime();
      } else if (System.nanoTime() - settledSince >= TimeUnit.SECONDS.toNanos(cfg.stormSettle)) {
        break;
      }
    }
    storming = false;
    Histogram back = stormBackTimes.getIntervalHistogram();
    int dropped = stormDropped.get();
    boolean pass = dropped > 0 && stormBack.get() >= dropped && roomsNotWhole.get() == 0;
    JsonObject refusals = new JsonObject();
    new TreeMap<>(stormRefusals).forEach((k, v) -> refusals.put(k, v.sum()));
    JsonObject json = new JsonObject().put("killedPid", pid).put("roomsWholeBefore", wholeBefore)
      .put("peersDropped", dropped).put("peersBack", stormBack.get()).put("resumed", stormResumed.get())
      .put("connectAttempts", stormAttempts.get()).put("refusals", refusals)
      .put("allBackMs", back.getTotalCount() == 0 ? null : round((lastBack.get() - killNanos) / 1e6))
      .put("backMs", summary(back))
      .put("allWholeMs", pass ? round((lastAllWhole.get() - killNanos) / 1e6) : null)
      .put("roomsNotWhole", roomsNotWhole.get()).put("timeoutSeconds", cfg.stormTimeout).put("pass", pass);
    out.printf("storm: %s: %d of %d dropped peers back in %s ms (p50 %s ms), every room whole again after %s ms; "
        + "%d resumed, %d connect attempts, refusals %s%n", pass ? "PASS" : "FAIL", stormBack.get(), dropped,
      json.getValue("allBackMs"), json.getJsonObject("backMs").getValue("p50"), json.getValue("allWholeMs"),
      stormResumed.get(), stormAttempts.get(), refusals.encode());
    return json;
  }

  private JsonObject runStep(int index, List<Worker> workers, int totalLinks, List<ProcessProbe> servers) throws Exception {
    Step step = steps.get(index);
    long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
    long end = start + TimeUnit.SECONDS.toNanos(step.seconds);
    long[] cpu0 = cpuOf(servers);
    long gen0 = ProcessProbe.selfCpuNanos();
    for (Worker w : workers) {
      w.steady(index, step.rate, totalLinks, start, end);
    }
    long drainEnd = end + TimeUnit.MILLISECONDS.toNanos(cfg.drainMs);
    long lastSent = 0;
    long lastRecv = 0;
    int second = 0;
    String label = step.name.equals("warmup") ? "warmup" : "step " + (index - firstLadderIndex() + 1);
    while (true) {
      long now = System.nanoTime();
      long sent = step.sent.sum();
      long recv = step.received.sum();
      if (now >= drainEnd || (now >= end && recv >= sent)) {
        break;
      }
      sleepUntil(start + TimeUnit.SECONDS.toNanos(++second), drainEnd);
      sent = step.sent.sum();
      recv = step.received.sum();
      Histogram interval = step.latency.getIntervalHistogram();
      step.total.add(interval);
      sample(step, second, sent - lastSent, recv - lastRecv, interval);
      out.printf("[%4ds] %-7s rate %6.0f/s: sent %d/s, received %d/s, p99 %s (1 s) %s (step), lost so far %d, errors %d%n",
        second, label, step.rate, sent - lastSent, recv - lastRecv, fmtMs(interval, 99), fmtMs(step.total, 99),
        Math.max(0, sent - recv), errorCount());
      lastSent = sent;
      lastRecv = recv;
    }
    Histogram rest = step.latency.getIntervalHistogram();
    step.total.add(rest);
    long sent = step.sent.sum();
    long recv = step.received.sum();
    if (sent > lastSent || recv > lastRecv) {
      sample(step, second + 1, sent - lastSent, recv - lastRecv, rest); // what came after the last whole second
    }
    long gen = ProcessProbe.selfCpuNanos() - gen0;
    JsonObject s = new JsonObject().put("name", step.name).put("targetRate", step.rate).put("seconds", step.seconds)
      .put("sent", sent).put("received", recv).put("lost", Math.max(0, sent - recv))
      .put("duplicates", Math.max(0, recv - sent)).put("reordered", step.reordered.sum())
      .put("misrouted", step.misrouted.sum())
      .put("sendRate", round(sent / (double) step.seconds)).put("receiveRate", round(recv / (double) step.seconds))
      .put("latencyMs", summary(step.total)).put("percentiles", percentiles(step.total))
      .put("sendLagMs", summary(step.sendLag.getIntervalHistogram()))
      .put("timeline", step.timeline)
      .put("generatorCpuUsPerMessage", recv == 0 ? null : round(gen / 1000.0 / recv));
    long serverCpu = 0;
    JsonArray perServer = new JsonArray();
    for (int i = 0; i < servers.size(); i++) {
      long d = servers.get(i).cpuNanos() - cpu0[i];
      serverCpu += d;
      perServer.add(new JsonObject().put("pid", servers.get(i).pid()).put("cpuMs", round(d / 1e6)));
    }
    if (!servers.isEmpty()) {
      s.put("servers", perServer).put("serverCpuMs", round(serverCpu / 1e6))
        .put("serverCpuUsPerMessage", recv == 0 ? null : round(serverCpu / 1000.0 / recv));
    }
    boolean behind = sent < 0.95 * step.rate * step.seconds;
    double p99 = ms(step.total, 99);
    boolean pass = sent - recv == 0 && step.misrouted.sum() == 0 && p99 <= cfg.sloP99Ms && !behind;
    s.put("generatorBehind", behind).put("pass", pass);
    out.printf("%s at %.0f/s: %s: sent %d, received %d, lost %d, reordered %d; latency p50 %s p90 %s p99 %s "
        + "p99.9 %s max %s; generator send lag p99 %s ms%s%n", label, step.rate, pass ? "PASS" : "FAIL", sent, recv,
      Math.max(0, sent - recv), step.reordered.sum(), fmtMs(step.total, 50), fmtMs(step.total, 90),
      fmtMs(step.total, 99), fmtMs(step.total, 99.9), fmtMs(step.total, 100), s.getJsonObject("sendLagMs").getValue("p99"),
      servers.isEmpty() ? "" : String.format("; server CPU %.1f µs/message", recv == 0 ? 0 : serverCpu / 1000.0 / recv));
    return s;
  }

  private int firstLadderIndex() {
    for (int i = 0; i < steps.size(); i++) {
      if (steps.get(i).name.equals("step")) {
        return i;
      }
    }
    return steps.size();
  }

  private void sample(Step step, int second, long sent, long recv, Histogram interval) {
    JsonObject point = new JsonObject().put("t", second).put("sent", sent).put("received", recv)
      .put("p99Ms", interval.getTotalCount() == 0 ? null : ms(interval, 99));
    step.timeline.add(point);
    timeline.add(point.copy().put("phase", step.name).put("rate", step.rate));
  }

  private static void sleepUntil(long nanos, long limit) throws InterruptedException {
    long until = Math.min(nanos, limit);
    long wait;
    while ((wait = until - System.nanoTime()) > 0) {
      TimeUnit.NANOSECONDS.sleep(Math.min(wait, 50_000_000));
    }
  }

  /** The CPU time of each server so far, ns. */
  private static long[] cpuOf(List<ProcessProbe> servers) {
    long[] cpu = new long[servers.size()];
    for (int i = 0; i < servers.size(); i++) {
      cpu[i] = servers.get(i).cpuNanos();
    }
    return cpu;
  }

  private Long heapOfServers(List<ProcessProbe> servers) {
    long total = 0;
    for (ProcessProbe s : servers) {
      Long used = s.liveHeapBytes();
      if (used == null) {
        return null;
      }
      total += used;
    }
    return servers.isEmpty() ? null : total;
  }

  static double ms(Histogram h, double percentile) {
    if (h.getTotalCount() == 0) {
      return 0;
    }
    return (percentile >= 100 ? h.getMaxValue() : h.getValueAtPercentile(percentile)) / 1000.0;
  }

  private static String fmtMs(Histogram h, double percentile) {
    return h.getTotalCount() == 0 ? "-" : String.format("%.2f ms", ms(h, percentile));
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }

  /** p50, p90, p99, p99.9, max and mean of a histogram of µs, in ms, with its count. */
  static JsonObject summary(Histogram h) {
    JsonObject o = new JsonObject().put("count", h.getTotalCount());
    if (h.getTotalCount() > 0) {
      o.put("p50", round3(ms(h, 50))).put("p90", round3(ms(h, 90))).put("p99", round3(ms(h, 99)))
        .put("p99.9", round3(ms(h, 99.9))).put("max", round3(ms(h, 100))).put("mean", round3(h.getMean() / 1000));
    }
    return o;
  }

  private static double round3(double v) {
    return Math.round(v * 1000) / 1000.0;
  }

  /** The percentile distribution, as [[percentile, ms], ...] (HdrHistogram's 5 ticks per half distance). */
  static JsonArray percentiles(Histogram h) {
    JsonArray a = new JsonArray();
    if (h.getTotalCount() == 0) {
      return a;
    }
    for (org.HdrHistogram.HistogramIterationValue v : h.percentiles(5)) {
      a.add(new JsonArray().add(round3(v.getPercentileLevelIteratedTo())).add(round3(v.getValueIteratedTo() / 1000.0)));
      if (v.getPercentileLevelIteratedTo() >= 99.9999) {
        break;
      }
    }
    return a;
  }

  private static JsonObject machine() {
    JsonObject m = new JsonObject().put("cores", Runtime.getRuntime().availableProcessors())
      .put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"))
      .put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"))
      .put("maxHeapBytes", Runtime.getRuntime().maxMemory());
    try {
      for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          m.put("cpu", line.substring(line.indexOf(':') + 1).trim());
          break;
        }
      }
      for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal")) {
          m.put("memory", line.substring(line.indexOf(':') + 1).trim());
          break;
        }
      }
    } catch (Exception e) {
      // not Linux
    }
    m.put("pid", ManagementFactory.getRuntimeMXBean().getPid());
    return m;
  }
}
