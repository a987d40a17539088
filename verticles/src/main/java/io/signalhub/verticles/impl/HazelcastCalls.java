package io.signalhub.verticles.impl;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Hazelcast's asynchronous results as Vert.x futures, completed on the caller's context.
 *
 * <p>Why not {@code Future.fromCompletionStage(stage, context)}: it registers its callback with
 * {@code whenComplete}, and Hazelcast runs a callback registered without an executor on its default
 * asynchronous executor, {@code ForkJoinPool.commonPool()}, or, where the common pool has a parallelism of 1
 * (a machine or container with two cores or fewer), a new thread for every callback. Seen on one core (JFR, a
 * 9000-room set-up): about 1,500 threads started per second with Hazelcast 5.3.8, one per map call, and 2,800
 * with 5.7.0, three per map call (docs/benchmarks.md, "What limits the hub"). Here
 * the callback runs on the thread that completes the Hazelcast call (its response or partition thread),
 * does nothing but complete a promise, and the promise's listeners run on the Vert.x context.
 *
 * <p>Hazelcast 5.7's map proxy still hands each result through its default executor once or twice on its own,
 * which only a common pool of parallelism 2 or more avoids: the server's launcher sets
 * {@code -Djava.util.concurrent.ForkJoinPool.common.parallelism}, and {@link #checkCommonPool()} warns an
 * embedding application whose JVM would start threads per call.
 */
final class HazelcastCalls {

  private static final Logger LOG = LoggerFactory.getLogger(HazelcastCalls.class);
  private static final AtomicBoolean CHECKED = new AtomicBoolean();

  /** Runs a completion callback where the result arrives: it only hands the result to a Vert.x context. */
  private static final Executor IN_PLACE = Runnable::run;

  private HazelcastCalls() {
  }

  /** {@code stage}'s outcome, on {@code context} (the caller's event loop). */
  static <T> Future<T> on(Context context, CompletionStage<T> stage) {
    Promise<T> promise = Promise.promise();
    stage.whenCompleteAsync((value, failure) -> context.runOnContext(v -> {
      if (failure != null) {
        promise.fail(failure);
      } else {
        promise.complete(value);
      }
    }), IN_PLACE);
    return promise.future();
  }

  /**
   * Logs a warning, once per JVM, when the common {@code ForkJoinPool} has a parallelism of 1: Hazelcast then
   * starts a thread for each asynchronous result (docs/embedding.md, "Clustered").
   */
  static void checkCommonPool() {
    if (ForkJoinPool.getCommonPoolParallelism() < 2 && CHECKED.compareAndSet(false, true)) {
      LOG.warn("the common ForkJoinPool has a parallelism of {}: Hazelcast will start a new thread for every "
        + "asynchronous map call (each join, leave and id claim). Start the JVM with "
        + "-Djava.util.concurrent.ForkJoinPool.common.parallelism=2", ForkJoinPool.getCommonPoolParallelism());
    }
  }
}
