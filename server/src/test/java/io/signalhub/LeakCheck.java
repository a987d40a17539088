package io.signalhub;

import io.signalhub.verticles.Addresses;
import io.signalhub.verticles.impl.HubMetrics;
import io.signalhub.verticles.impl.StoreContents;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Checks that a hub left nothing behind once a test's peers closed: on each node the gauges
 * {@code signalhub_connections}, {@code signalhub_peers} and {@code signalhub_rooms} at 0, no session of
 * ws-ingress left (open, suspended or parked), no room still counted by the room-registry against
 * {@code maxRoomsPerNode}, the cluster-wide maps {@code signalhub.rooms} and
 * {@code signalhub.peers} empty, no timer of the hub's left but the verticles' own periodic ones (router
 * sweep, presence heartbeat and reconciler), and no event-bus consumer left at a {@code peer.*} address nor a
 * reply still awaited. Clean-up is asynchronous (a close reaches the hub after the client's close returned; a
 * suspended session ends with its grace period; a resumed one forwards for 10 s): the check polls with a
 * Vert.x timer until everything drained or {@link #DEADLINE_MS} passed, then fails naming what is left.
 *
 * <p>Use it as {@code @ExtendWith(LeakCheck.class)}: after each test method, before its {@code @AfterEach},
 * it checks every {@link Vertx} and {@link TestCluster} field of the test instance (a test that failed is not
 * checked again). A test holding its {@code Vertx} in a local variable calls {@link #assertDrained(Vertx...)}.
 *
 * <p>The timers and consumers are read from Vert.x's internals ({@code VertxImpl.timeouts},
 * {@code EventBusImpl.handlerMap}) by reflection, read-only: Vert.x has no public API for them.
 */
public final class LeakCheck implements AfterTestExecutionCallback {

  /** Longest wait for the hub to drain: past a resumed session's 10 s of forwarding. */
  static final long DEADLINE_MS = 15_000;
  private static final long POLL_MS = 25;

  /** Periodic timers a deployed hub keeps, by the class that set them. */
  private static final Map<String, Integer> PERIODIC_ALLOWED = Map.of(
    "io.signalhub.verticles.RouterVerticle", 1,
    "io.signalhub.verticles.PresenceVerticle", 2);

  @Override
  public void afterTestExecution(ExtensionContext context) throws Exception {
    if (context.getExecutionException().isPresent()) {
      return; // the test failed already: its own failure says more
    }
    Object test = context.getRequiredTestInstance();
    Set<Vertx> nodes = new LinkedHashSet<>();
    for (Class<?> c = test.getClass(); c != Object.class; c = c.getSuperclass()) {
      for (Field f : c.getDeclaredFields()) {
        f.setAccessible(true);
        Object value = f.get(test);
        if (value instanceof Vertx v) {
          nodes.add(v);
        } else if (value instanceof TestCluster cluster) {
          nodes.addAll(cluster.nodes());
        }
      }
    }
    if (nodes.isEmpty()) {
      fail("@ExtendWith(LeakCheck.class) on " + test.getClass().getSimpleName()
        + " found no Vertx or TestCluster field: call LeakCheck.assertDrained(vertx) instead");
    }
    assertDrained(nodes.toArray(new Vertx[0]));
  }

  /** Waits until every one of {@code nodes} drained (bounded by {@link #DEADLINE_MS}); fails naming what is left. */
  public static void assertDrained(Vertx... nodes) throws Exception {
    assertDrained(DEADLINE_MS, nodes);
  }

  /** {@link #assertDrained(Vertx...)} with another deadline. */
  static void assertDrained(long deadlineMs, Vertx... nodes) throws Exception {
    List<String> left = awaitEmpty(nodes[0], () -> {
      List<Future<List<String>>> all = new ArrayList<>();
      for (int i = 0; i < nodes.length; i++) {
        all.add(leftOn(nodes[i], nodes.length == 1 ? "" : "node " + (i + 1) + ": "));
      }
      return Future.all(all).map(cf -> {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
          out.addAll(cf.<List<String>>resultAt(i));
        }
        return out;
      });
    }, deadlineMs);
    if (!left.isEmpty()) {
      fail("the hub did not drain within " + deadlineMs + " ms: " + String.join("; ", left));
    }
  }

  /**
   * Polls {@code probe} on {@code vertx}'s timers every few ms until it reports nothing left or
   * {@code deadlineMs} passed; returns what was left at the last poll (empty when drained).
   */
  static List<String> awaitEmpty(Vertx vertx, Supplier<Future<List<String>>> probe, long deadlineMs) throws Exception {
    long start = System.nanoTime();
    long deadline = start + TimeUnit.MILLISECONDS.toNanos(deadlineMs);
    Promise<List<String>> done = Promise.promise();
    List<String> slow = new ArrayList<>();
    poll(vertx, probe, start, deadline, done, slow);
    List<String> left = done.future().await(deadlineMs + 30_000, TimeUnit.MILLISECONDS);
    if (left.isEmpty() && !slow.isEmpty()) {
      System.out.println("LeakCheck: drained after " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)
        + " ms; a second in, still " + slow);
    }
    return left;
  }

  private static void poll(Vertx vertx, Supplier<Future<List<String>>> probe, long start, long deadline,
                           Promise<List<String>> done, List<String> slow) {
    probe.get().onComplete(ar -> {
      List<String> left = ar.succeeded() ? ar.result() : List.of("the probe failed: " + ar.cause());
      long now = System.nanoTime();
      if (left.isEmpty() || now - deadline >= 0) {
        done.complete(left);
        return;
      }
      if (slow.isEmpty() && now - start >= TimeUnit.SECONDS.toNanos(1)) {
        slow.addAll(left);
      }
      vertx.setTimer(POLL_MS, t -> poll(vertx, probe, start, deadline, done, slow));
    });
  }

  /**
   * For hubs in other processes: waits until the {@code signalhub_connections}, {@code signalhub_peers} and
   * {@code signalhub_rooms} of each node's {@code GET /metrics} (at {@code ports}) read 0; fails naming the rest.
   */
  static void assertDrainedOverHttp(Vertx client, List<Integer> ports) throws Exception {
    io.vertx.core.http.HttpClient http = client.createHttpClient();
    try {
      List<String> left = awaitEmpty(client, () -> {
        List<Future<List<String>>> all = new ArrayList<>();
        for (int port : ports) {
          all.add(http.request(io.vertx.core.http.HttpMethod.GET, port, "127.0.0.1", "/metrics")
            .compose(req -> req.send()).compose(resp -> resp.body()).map(body -> {
              List<String> out = new ArrayList<>();
              for (String gauge : List.of("signalhub_connections", "signalhub_peers", "signalhub_rooms")) {
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^" + gauge + " ([0-9.Ee+-]+)$").matcher(body.toString());
                if (!m.find()) {
                  out.add("node :" + port + " has no " + gauge);
                } else if (Double.parseDouble(m.group(1)) != 0) {
                  out.add("node :" + port + ": " + gauge + " " + m.group(1));
                }
              }
              return out;
            }));
        }
        return Future.all(all).map(cf -> {
          List<String> out = new ArrayList<>();
          for (int i = 0; i < all.size(); i++) {
            out.addAll(cf.<List<String>>resultAt(i));
          }
          return out;
        });
      }, DEADLINE_MS);
      if (!left.isEmpty()) {
        fail("the hubs did not drain within " + DEADLINE_MS + " ms: " + String.join("; ", left));
      }
    } finally {
      http.close();
    }
  }

  /** What the hub on {@code vertx} still holds, one line per kind ({@code prefix} names the node). */
  static Future<List<String>> leftOn(Vertx vertx, String prefix) {
    List<String> left = new ArrayList<>();
    HubMetrics metrics = HubMetrics.of(vertx);
    gauge(left, prefix, "signalhub_connections", metrics.connections());
    gauge(left, prefix, "signalhub_peers", metrics.peers());
    gauge(left, prefix, "signalhub_rooms", metrics.rooms());
    gauge(left, prefix, "sessions", metrics.sessions());
    gauge(left, prefix, "rooms seated by the registry", metrics.seatedRooms());
    Map<String, Integer> timers = hubTimers(vertx);
    if (!timers.isEmpty()) {
      left.add(prefix + "timers " + timers);
    }
    List<String> consumers = leftConsumers(vertx);
    if (!consumers.isEmpty()) {
      left.add(prefix + "event-bus consumers " + abbreviate(consumers));
    }
    return Future.all(StoreContents.rooms(vertx), StoreContents.peers(vertx)).map(cf -> {
      Set<String> rooms = cf.resultAt(0);
      Set<String> peers = cf.resultAt(1);
      if (!rooms.isEmpty()) {
        left.add(prefix + "signalhub.rooms " + abbreviate(rooms));
      }
      if (!peers.isEmpty()) {
        left.add(prefix + "signalhub.peers " + abbreviate(peers));
      }
      return left;
    });
  }

  private static void gauge(List<String> left, String prefix, String name, int value) {
    if (value != 0) {
      left.add(prefix + name + " " + value);
    }
  }

  private static String abbreviate(Collection<String> items) {
    List<String> sorted = new ArrayList<>(items);
    sorted.sort(null);
    return items.size() + " " + (sorted.size() <= 10 ? sorted : sorted.subList(0, 10) + "...");
  }

  /**
   * The hub's timers on {@code vertx} beyond the verticles' periodic ones, counted by the class that set
   * them (a lambda's class is named after the class it was written in).
   */
  static Map<String, Integer> hubTimers(Vertx vertx) {
    Map<String, Integer> periodic = new TreeMap<>();
    Map<String, Integer> left = new TreeMap<>();
    for (Object timer : ((Map<?, ?>) read(vertx, "timeouts")).values()) {
      Object handler = read(timer, "handler");
      String owner = handler.getClass().getName().replaceAll("\\$.*", "");
      if (!owner.startsWith("io.signalhub.verticles") && !owner.startsWith("io.signalhub.impl")) {
        continue; // Vert.x's own (event-bus pings, reply time-outs), the test's
      }
      if ((Boolean) read(timer, "periodic")) {
        periodic.merge(owner, 1, Integer::sum);
      } else {
        left.merge(owner, 1, Integer::sum);
      }
    }
    periodic.forEach((owner, n) -> {
      int extra = n - PERIODIC_ALLOWED.getOrDefault(owner, 0);
      if (extra > 0) {
        left.merge(owner + " (periodic)", extra, Integer::sum);
      }
    });
    return left;
  }

  /** Event-bus addresses with a consumer that should be gone: a peer's ({@code peer.*}), a reply awaited. */
  static List<String> leftConsumers(Vertx vertx) {
    List<String> left = new ArrayList<>();
    for (Object address : ((Map<?, ?>) read(vertx.eventBus(), "handlerMap")).keySet()) {
      String a = (String) address;
      if (a.startsWith(Addresses.PEER_PREFIX) || a.startsWith("__vertx.reply")) {
        left.add(a);
      }
    }
    return left;
  }

  /** Reads a field of {@code target}'s class or a superclass (Vert.x internals; fails loudly if one moved). */
  private static Object read(Object target, String name) {
    for (Class<?> c = target.getClass(); c != null; c = c.getSuperclass()) {
      try {
        Field f = c.getDeclaredField(name);
        f.setAccessible(true);
        return f.get(target);
      } catch (NoSuchFieldException e) {
        // look in the superclass
      } catch (IllegalAccessException e) {
        throw new IllegalStateException(e);
      }
    }
    throw new IllegalStateException("no field '" + name + "' in " + target.getClass().getName()
      + ": Vert.x changed, update LeakCheck");
  }
}
