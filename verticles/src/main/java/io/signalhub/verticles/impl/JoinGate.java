package io.signalhub.verticles.impl;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;

import java.util.ArrayDeque;

/**
 * Bounds the joins one ws-ingress has in flight (id claim, room join: Hazelcast operations): at most
 * {@code limit} at once, the others wait in arrival order. Under a connection storm a node otherwise starts more
 * joins than it finishes within {@code requestTimeoutMs}: they all time out ({@code unavailable}) after the work
 * is done, and are undone. Waiting here instead makes the storm's last clients wait longer for their
 * {@code welcome}, without failing anyone. Thread-safe: sessions of an embedding application's router may run on
 * several event loops; a waiting join resumes on its own session's context.
 */
public final class JoinGate {

  private final int limit;
  private int inFlight;
  private final ArrayDeque<Promise<Void>> waiting = new ArrayDeque<>();

  /** @param limit joins in flight at most, {@code >= 1} */
  public JoinGate(int limit) {
    this.limit = limit;
  }

  /** Completes, on the caller's context, when the join may start; call {@link #leave()} once it has ended. */
  public synchronized Future<Void> enter(ContextInternal context) {
    if (inFlight < limit) {
      inFlight++;
      return context.succeededFuture();
    }
    Promise<Void> turn = context.promise();
    waiting.add(turn);
    return turn.future();
  }

  /** A join that {@link #enter entered} has ended: the next waiting one starts. */
  public void leave() {
    Promise<Void> next;
    synchronized (this) {
      next = waiting.poll();
      if (next == null) {
        inFlight--;
        return;
      }
    }
    next.complete();
  }
}
