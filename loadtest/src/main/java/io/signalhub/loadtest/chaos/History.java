package io.signalhub.loadtest.chaos;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The history of a signaling run under faults, and its checker against the hub's delivery contract
 * (docs/protocol.md, "Delivery contract" and "Resume").
 *
 * <p>Each client (peer) records what it did and what it was told, <em>in the order its client saw them</em>
 * (record from the client's event loop): the numbered frames it sent, the frames it received (after dropping
 * replayed frames whose {@code seq} it already had), the {@code error} frames about routed frames, the
 * {@code peer-joined} / {@code peer-left} notices and each {@code welcome}, each close of its socket, and the end
 * of its session. Every method is thread-safe; events of all peers go to one list, each stamped with
 * {@link System#nanoTime()} taken under the same lock, so the list's order is the order of the stamps.
 *
 * <p>Frames are numbered per ordered pair (sender s, recipient r): s numbers the frames it addresses to r
 * 1, 2, 3, ... ({@code data.n} of an {@code ice-candidate}), across reconnects and fresh sessions.
 * {@link #check()} checks, per pair:
 * <ol>
 *   <li>{@code duplicate}, {@code reorder}: r receives each frame of s at most once, and in s's send order;</li>
 *   <li>{@code ghost}: r never receives a frame from s while s is <em>departed</em> in r's view (after r was told
 *       {@code peer-left} s and before r is next told {@code peer-joined} s or gets a {@code welcome} listing s);</li>
 *   <li>{@code lost}: every frame s sent to r that r never received is accounted for by (a) an {@code error} with
 *       {@code data.to} = r received by s after the send (one error per frame, oldest frame first), (b) s being
 *       told {@code peer-left} r after the send, (c) the end of s's session after the send, or (d) the end of
 *       r's session after the send; (b), (c) and (d) count only within {@link #ACCOUNT_WINDOW_MS} (60 s: the
 *       hold time, 30 s, and the failure detection, with room to spare) after the send, so that a fault minutes
 *       later does not excuse a frame lost in the middle of a session. A session ends when its socket closes and it does not resume: the client
 *       stopped ({@link #sessionEnded}), or its next {@code welcome} says {@code resumed: false}; it ended at
 *       that last close ({@link #closed}), or, when no close was recorded, at the stop or the new welcome;</li>
 *   <li>{@code unsent}: r never receives a frame that s did not send.</li>
 * </ol>
 * {@link #checkViews(Map)} checks rule 4 (convergence): each peer's view of its room ({@code welcome}
 * {@code data.peers}, plus {@code peer-joined}, minus {@code peer-left}) equals the peers actually connected;
 * {@link #checkDelivered(long, long)} that, once converged, signaling resumes: every frame of a window arrives.
 *
 * <p>Times in violations and in {@link #seconds(long)} are seconds since this history was created.
 */
public final class History {

  /**
   * A broken rule.
   *
   * @param rule      {@code duplicate}, {@code reorder}, {@code ghost}, {@code lost}, {@code unsent},
   *                  {@code convergence} or {@code undelivered}
   * @param sender    the sending peer of the pair (for {@code convergence}: the peer whose view is wrong)
   * @param recipient the receiving peer of the pair (for {@code convergence}: null)
   * @param detail    the frame numbers ({@code n=12..15}, runs of consecutive numbers are one violation) and
   *                  when (seconds since the history started), or what the view was and should have been
   */
  public record Violation(String rule, String sender, String recipient, String detail) {
    @Override
    public String toString() {
      return rule + " " + sender + (recipient == null ? "" : " -> " + recipient) + ": " + detail;
    }
  }

  enum Kind { SENT, RECEIVED, ERROR, JOINED, LEFT, WELCOME, CLOSED, ENDED }

  /** One event as the peer {@code by} saw it; {@code other} is the other peer (or null), {@code n} a number. */
  record Event(long t, Kind kind, String by, String other, long n, String text, List<String> peers) {
  }

  /** How long after a send a peer-left or a session end may come and still account for the frame: 60 s. */
  public static final long ACCOUNT_WINDOW_MS = 60_000;

  private final java.util.function.LongSupplier clock;
  private final long windowNanos;
  private final long origin;
  private final List<Event> events = new ArrayList<>();
  private long sent;
  private long received;
  private final Map<String, Long> errorsByCode = new TreeMap<>();
  private final Map<String, Long> leftByReason = new TreeMap<>();
  private final Map<Integer, Long> closesByCode = new TreeMap<>();
  private long welcomes;
  private long resumed;

  /** An empty history on {@link System#nanoTime()}, accounting window {@link #ACCOUNT_WINDOW_MS}. */
  public History() {
    this(System::nanoTime, ACCOUNT_WINDOW_MS);
  }

  /** An empty history stamped by {@code clock} (ns), with an accounting window of {@code accountWindowMs} (tests). */
  History(java.util.function.LongSupplier clock, long accountWindowMs) {
    this.clock = clock;
    this.windowNanos = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(accountWindowMs);
    this.origin = clock.getAsLong();
  }

  /** {@link System#nanoTime()} at creation: time 0 of {@link #seconds(long)}. */
  public long origin() {
    return origin;
  }

  /** Seconds from the history's start to {@code nanoTime} (a {@link System#nanoTime()} value). */
  public double seconds(long nanoTime) {
    return (nanoTime - origin) / 1e9;
  }

  private synchronized void add(Kind kind, String by, String other, long n, String text, List<String> peers) {
    events.add(new Event(clock.getAsLong(), kind, by, other, n, text, peers));
  }

  /** {@code from} is about to write frame {@code n} addressed to {@code to} (record it before the write). */
  public void sent(String from, String to, long n) {
    synchronized (this) {
      sent++;
      add(Kind.SENT, from, to, n, null, null);
    }
  }

  /** {@code by} received frame {@code n} of {@code from} (once per {@code seq}: replays already seen are not recorded). */
  public void received(String by, String from, long n) {
    synchronized (this) {
      received++;
      add(Kind.RECEIVED, by, from, n, null, null);
    }
  }

  /**
   * {@code by} received an {@code error} frame {@code code} ({@code expired}, {@code not-in-room},
   * {@code unavailable}, {@code message-refused}, ...) about a frame it addressed to {@code to} ({@code data.to};
   * null when the error names no recipient: then it accounts for no frame).
   */
  public void error(String by, String to, String code) {
    synchronized (this) {
      errorsByCode.merge(String.valueOf(code), 1L, Long::sum);
      add(Kind.ERROR, by, to, 0, code, null);
    }
  }

  /** {@code by} was told {@code peer-joined} {@code peer}. */
  public void toldJoined(String by, String peer) {
    add(Kind.JOINED, by, peer, 0, null, null);
  }

  /** {@code by} was told {@code peer-left} {@code peer} with {@code data.reason} {@code reason}. */
  public void toldLeft(String by, String peer, String reason) {
    synchronized (this) {
      leftByReason.merge(String.valueOf(reason), 1L, Long::sum);
      add(Kind.LEFT, by, peer, 0, reason, null);
    }
  }

  /**
   * {@code by} got a {@code welcome}: {@code resumed} is {@code data.resumed}, {@code peers} is {@code data.peers}
   * (each counts as {@code peer-joined}: no need to call {@link #toldJoined} for them as well, though it does no
   * harm). A welcome with {@code resumed: false} after an earlier welcome ends the previous session.
   */
  public void welcome(String by, boolean resumed, List<String> peers) {
    synchronized (this) {
      welcomes++;
      if (resumed) {
        this.resumed++;
      }
      add(Kind.WELCOME, by, null, resumed ? 1 : 0, null, List.copyOf(peers));
    }
  }

  /** {@code by}'s socket closed with {@code code} (1006 when it dropped without a closing handshake). */
  public void closed(String by, int code) {
    synchronized (this) {
      closesByCode.merge(code, 1L, Long::sum);
      add(Kind.CLOSED, by, null, code, null, null);
    }
  }

  /** {@code peer}'s client stopped for good (it will not resume this session). */
  public void sessionEnded(String peer) {
    add(Kind.ENDED, peer, null, 0, null, null);
  }

  /** Frames sent so far. */
  public synchronized long sentCount() {
    return sent;
  }

  /** Frames received so far. */
  public synchronized long receivedCount() {
    return received;
  }

  /** {@code error} frames received so far, by code. */
  public synchronized Map<String, Long> errorsByCode() {
    return new TreeMap<>(errorsByCode);
  }

  /** {@code peer-left} notices so far, by reason. */
  public synchronized Map<String, Long> leftByReason() {
    return new TreeMap<>(leftByReason);
  }

  /** Socket closes so far, by close code. */
  public synchronized Map<Integer, Long> closesByCode() {
    return new TreeMap<>(closesByCode);
  }

  /** Welcomes so far, and how many of them resumed a session: {@code [welcomes, resumed]}. */
  public synchronized long[] welcomes() {
    return new long[] {welcomes, resumed};
  }

  /**
   * Writes every event recorded so far, one a line, in the order recorded: seconds since the start, the peer that
   * saw it, what ({@code sent}, {@code received}, {@code error}, {@code joined}, {@code left}, {@code welcome},
   * {@code closed}, {@code ended}), the other peer, and the frame number, error code, reason, close code or the
   * welcome's {@code resumed} and peers. For finding out what led to a violation.
   */
  public void dump(Appendable out) throws java.io.IOException {
    for (Event e : snapshot()) {
      out.append(String.format("%.6f %s %s", seconds(e.t), e.by, e.kind.name().toLowerCase(java.util.Locale.ROOT)));
      switch (e.kind) {
        case SENT, RECEIVED -> out.append(' ').append(e.other).append(" n=").append(String.valueOf(e.n));
        case ERROR, LEFT -> out.append(' ').append(String.valueOf(e.other)).append(' ').append(String.valueOf(e.text));
        case JOINED -> out.append(' ').append(e.other);
        case WELCOME -> out.append(e.n == 1 ? " resumed " : " fresh ").append(String.valueOf(e.peers));
        case CLOSED -> out.append(" code=").append(String.valueOf(e.n));
        default -> {
        }
      }
      out.append('\n');
    }
  }

  private synchronized List<Event> snapshot() {
    return new ArrayList<>(events);
  }

  private record Pair(String sender, String recipient) {
  }

  /** Rules 1-3 (and {@code unsent}) over everything recorded so far; empty when the history keeps them all. */
  public List<Violation> check() {
    List<Event> all = snapshot();
    List<Violation> out = new ArrayList<>();

    // sends and receives per pair
    Map<Pair, Map<Long, Long>> sentAt = new HashMap<>(); // n -> time
    Map<Pair, Set<Long>> got = new HashMap<>();
    for (Event e : all) {
      if (e.kind == Kind.SENT) {
        sentAt.computeIfAbsent(new Pair(e.by, e.other), k -> new HashMap<>()).put(e.n, e.t);
      } else if (e.kind == Kind.RECEIVED) {
        got.computeIfAbsent(new Pair(e.other, e.by), k -> new HashSet<>()).add(e.n);
      }
    }

    // rule 1 (and unsent), rule 2: each recipient's events in its order
    Map<Pair, Set<Long>> seen = new HashMap<>();
    Map<Pair, Long> highest = new HashMap<>();
    Map<String, Set<String>> departed = new HashMap<>(); // recipient -> senders departed in its view
    Map<Pair, Runs> duplicates = new LinkedHashMap<>();
    Map<Pair, Runs> ghosts = new LinkedHashMap<>();
    Map<Pair, Runs> unsent = new LinkedHashMap<>();
    for (Event e : all) {
      switch (e.kind) {
        case LEFT -> departed.computeIfAbsent(e.by, k -> new HashSet<>()).add(e.other);
        case JOINED -> departed.computeIfAbsent(e.by, k -> new HashSet<>()).remove(e.other);
        case WELCOME -> departed.computeIfAbsent(e.by, k -> new HashSet<>()).removeAll(e.peers);
        case RECEIVED -> {
          Pair pair = new Pair(e.other, e.by);
          if (departed.getOrDefault(e.by, Set.of()).contains(e.other)) {
            ghosts.computeIfAbsent(pair, k -> new Runs()).add(e.n, e.t);
          }
          if (!sentAt.getOrDefault(pair, Map.of()).containsKey(e.n)) {
            unsent.computeIfAbsent(pair, k -> new Runs()).add(e.n, e.t);
          }
          Set<Long> s = seen.computeIfAbsent(pair, k -> new HashSet<>());
          long max = highest.getOrDefault(pair, 0L);
          if (!s.add(e.n)) {
            duplicates.computeIfAbsent(pair, k -> new Runs()).add(e.n, e.t);
          } else if (e.n < max) {
            out.add(new Violation("reorder", pair.sender, pair.recipient,
              String.format("n=%d received after n=%d at %.3f s", e.n, max, seconds(e.t))));
          }
          highest.put(pair, Math.max(max, e.n));
        }
        default -> {
        }
      }
    }
    duplicates.forEach((p, r) -> r.report(out, "duplicate", p, "received again"));
    ghosts.forEach((p, r) -> r.report(out, "ghost", p, "received while the sender had left in the recipient's view"));
    unsent.forEach((p, r) -> r.report(out, "unsent", p, "received, never sent"));

    // rule 3: session ends per peer, peer-left notices per pair (times, in order)
    Map<String, List<Long>> sessionEnds = sessionEnds(all);
    Map<Pair, List<Long>> toldLeft = new HashMap<>();
    for (Event e : all) {
      if (e.kind == Kind.LEFT) {
        toldLeft.computeIfAbsent(new Pair(e.by, e.other), k -> new ArrayList<>()).add(e.t);
      }
    }
    Map<Pair, Deque<long[]>> pending = new HashMap<>(); // lost frames not otherwise accounted for: {n, t}
    for (Event e : all) {
      if (e.kind == Kind.SENT) {
        Pair pair = new Pair(e.by, e.other);
        if (got.getOrDefault(pair, Set.of()).contains(e.n)) {
          continue;
        }
        boolean accounted = within(toldLeft.get(pair), e.t) || within(sessionEnds.get(e.by), e.t)
          || within(sessionEnds.get(e.other), e.t);
        if (!accounted) {
          pending.computeIfAbsent(pair, k -> new ArrayDeque<>()).add(new long[] {e.n, e.t});
        }
      } else if (e.kind == Kind.ERROR && e.other != null) {
        Deque<long[]> q = pending.get(new Pair(e.by, e.other));
        if (q != null) {
          q.pollFirst();
        }
      }
    }
    Map<Pair, Runs> lost = new TreeMap<>((a, b) -> a.sender.equals(b.sender)
      ? a.recipient.compareTo(b.recipient) : a.sender.compareTo(b.sender));
    pending.forEach((pair, q) -> {
      List<long[]> frames = new ArrayList<>(q);
      frames.sort((a, b) -> Long.compare(a[0], b[0]));
      for (long[] f : frames) {
        lost.computeIfAbsent(pair, k -> new Runs()).add(f[0], f[1]);
      }
    });
    lost.forEach((p, r) -> r.report(out, "lost", p, "sent, never received, no error, no peer-left, no session end"));
    return out;
  }

  /** Whether one of {@code times} (ascending) is after {@code t} and at most the accounting window after it. */
  private boolean within(List<Long> times, long t) {
    if (times == null) {
      return false;
    }
    int i = java.util.Collections.binarySearch(times, t + 1);
    int first = i >= 0 ? i : -i - 1;
    // binarySearch may land on any of equal values: step back to the first one after t
    while (first > 0 && times.get(first - 1) > t) {
      first--;
    }
    return first < times.size() && times.get(first) > t && times.get(first) - t <= windowNanos;
  }

  /**
   * Delivery once converged: every frame sent from {@code fromNanos} to {@code toNanos} ({@link System#nanoTime()}
   * values, e.g. a window after the views converged with no fault running) was received, whatever errors or
   * notices came: a room whose peers all see each other but whose frames all end as {@code expired} keeps rules
   * 1-3 and the views of rule 4, and signals nothing.
   *
   * @return one {@code undelivered} violation per run of consecutive frame numbers of a pair
   */
  public List<Violation> checkDelivered(long fromNanos, long toNanos) {
    List<Event> all = snapshot();
    Map<Pair, Set<Long>> got = new HashMap<>();
    for (Event e : all) {
      if (e.kind == Kind.RECEIVED) {
        got.computeIfAbsent(new Pair(e.other, e.by), k -> new HashSet<>()).add(e.n);
      }
    }
    Map<Pair, Runs> missing = new TreeMap<>((a, b) -> a.sender.equals(b.sender)
      ? a.recipient.compareTo(b.recipient) : a.sender.compareTo(b.sender));
    for (Event e : all) {
      if (e.kind == Kind.SENT && e.t >= fromNanos && e.t <= toNanos) {
        Pair pair = new Pair(e.by, e.other);
        if (!got.getOrDefault(pair, Set.of()).contains(e.n)) {
          missing.computeIfAbsent(pair, k -> new Runs()).add(e.n, e.t);
        }
      }
    }
    List<Violation> out = new ArrayList<>();
    missing.forEach((p, r) -> r.report(out, "undelivered", p, "sent after the views converged, never received"));
    return out;
  }

  /** When each peer's sessions ended (see the class comment), ascending, by peer. */
  private static Map<String, List<Long>> sessionEnds(List<Event> all) {
    Map<String, List<Long>> end = new HashMap<>();
    Map<String, Long> lastClose = new HashMap<>(); // since the peer's last welcome
    Set<String> welcomed = new HashSet<>();
    for (Event e : all) {
      switch (e.kind) {
        case CLOSED -> lastClose.putIfAbsent(e.by, e.t); // the first close after a welcome: the link dropped there
        case WELCOME -> {
          if (!welcomed.add(e.by) && e.n == 0) {
            end.computeIfAbsent(e.by, k -> new ArrayList<>()).add(lastClose.getOrDefault(e.by, e.t));
          }
          lastClose.remove(e.by);
        }
        case ENDED -> end.computeIfAbsent(e.by, k -> new ArrayList<>()).add(lastClose.getOrDefault(e.by, e.t));
        default -> {
        }
      }
    }
    end.values().forEach(java.util.Collections::sort);
    return end;
  }

  /**
   * Rule 4, convergence: each peer's view of its room ({@code welcome} {@code data.peers} + {@code peer-joined} -
   * {@code peer-left}, from its recorded events) equals the peers of its room actually connected now.
   *
   * @param actualMembersByPeer for each peer that is connected now, the other peers of its room that are connected
   *                            now (not the peer itself)
   * @return one {@code convergence} violation per peer whose view differs (missing and extra peers named)
   */
  public List<Violation> checkViews(Map<String, Set<String>> actualMembersByPeer) {
    Map<String, Set<String>> views = views();
    List<Violation> out = new ArrayList<>();
    new TreeMap<>(actualMembersByPeer).forEach((peer, actual) -> {
      Set<String> view = views.getOrDefault(peer, Set.of());
      if (!view.equals(actual)) {
        Set<String> missing = new TreeSet<>(actual);
        missing.removeAll(view);
        Set<String> extra = new TreeSet<>(view);
        extra.removeAll(actual);
        out.add(new Violation("convergence", peer, null, "view " + new TreeSet<>(view) + ", connected " + new TreeSet<>(actual)
          + (missing.isEmpty() ? "" : ", missing " + missing) + (extra.isEmpty() ? "" : ", extra " + extra)));
      }
    });
    return out;
  }

  /** Each peer's current view of its room, from its recorded events. */
  public Map<String, Set<String>> views() {
    Map<String, Set<String>> views = new HashMap<>();
    for (Event e : snapshot()) {
      switch (e.kind) {
        case WELCOME -> views.put(e.by, new HashSet<>(e.peers));
        case JOINED -> views.computeIfAbsent(e.by, k -> new HashSet<>()).add(e.other);
        case LEFT -> views.computeIfAbsent(e.by, k -> new HashSet<>()).remove(e.other);
        default -> {
        }
      }
    }
    return views;
  }

  /** Frame numbers of one pair, written as runs of consecutive numbers ({@code n=3..7}), with first and last time. */
  private final class Runs {
    private final List<long[]> runs = new ArrayList<>(); // {first n, last n, first t, last t}

    void add(long n, long t) {
      long[] last = runs.isEmpty() ? null : runs.get(runs.size() - 1);
      if (last != null && n == last[1] + 1) {
        last[1] = n;
        last[3] = t;
      } else {
        runs.add(new long[] {n, n, t, t});
      }
    }

    void report(Collection<Violation> out, String rule, Pair pair, String what) {
      for (long[] r : runs) {
        String ns = r[0] == r[1] ? "n=" + r[0] : "n=" + r[0] + ".." + r[1] + " (" + (r[1] - r[0] + 1) + ")";
        String when = r[2] == r[3] ? String.format("at %.3f s", seconds(r[2]))
          : String.format("at %.3f..%.3f s", seconds(r[2]), seconds(r[3]));
        out.add(new Violation(rule, pair.sender, pair.recipient, ns + " " + what + " " + when));
      }
    }
  }
}
