package io.signalhub.impl;

import com.hazelcast.core.HazelcastInstance;
import io.signalhub.verticles.impl.Nodes;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;
import io.vertx.micrometer.PrometheusScrapingHandler;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.util.function.BooleanSupplier;

/**
 * The operations endpoints of a hub node (vertx-health-check, vertx-micrometer-metrics):
 * <ul>
 *   <li>{@code GET /health}: liveness, 200 {@code {"status":"UP"}} while the node's event loop answers; a clustered
 *       node adds check {@code cluster} with {@code data: {"members": n, "safe": bool}}, informational (it never
 *       makes the node DOWN): {@code safe} is Hazelcast's {@code PartitionService.isClusterSafe()}, false while
 *       partitions migrate or backups are not in sync (after a member joined or left). A rolling restart waits
 *       for {@code safe} before it stops the next node, else the maps' only copy of some rooms may go with it
 *       (Hazelcast Reference Manual, "Safety Checking of Cluster Members");</li>
 *   <li>{@code GET /ready}: readiness, 200 when the verticles are deployed and (clustered) the node is an
 *       active cluster member, else 503 with the failing check;</li>
 *   <li>{@code GET /metrics}: Prometheus text format, when the {@code Vertx} has Micrometer metrics with
 *       the Prometheus registry (the standalone node does); see
 *       {@link io.signalhub.verticles.impl.HubMetrics} for the hub's own meter names.</li>
 * </ul>
 */
final class OpsRoutes {

  private OpsRoutes() {
  }

  /** How long the {@code cluster} check of {@code /health} may take (Hazelcast asks every member), in ms. */
  private static final long CLUSTER_SAFE_TIMEOUT_MS = 5_000;

  static HealthChecks liveness(Vertx vertx) {
    HealthChecks checks = HealthChecks.create(vertx).register("event-loop", 1000, p -> p.complete(Status.OK()));
    if (Nodes.isHazelcast(vertx)) {
      checks.register("cluster", CLUSTER_SAFE_TIMEOUT_MS, p -> vertx.executeBlocking(() -> {
        // isClusterSafe() waits for every member's answer: never on an event loop
        HazelcastInstance hz = ((HazelcastClusterManager) Nodes.clusterManager(vertx)).getHazelcastInstance();
        return new JsonObject().put("members", hz.getCluster().getMembers().size())
          .put("safe", hz.getPartitionService().isClusterSafe());
      }, false).onComplete(ar -> p.complete(ar.succeeded() ? Status.OK(ar.result())
        : Status.OK(new JsonObject().put("safe", false).put("error", String.valueOf(ar.cause()))))));
    }
    return checks;
  }

  static HealthChecks readiness(Vertx vertx, BooleanSupplier deployed) {
    return HealthChecks.create(vertx)
      .register("verticles", 1000, p -> p.complete(deployed.getAsBoolean() ? Status.OK() : Status.KO()))
      .register("cluster", 1000, p -> p.complete(clusterJoined(vertx) ? Status.OK() : Status.KO()));
  }

  /** True when not clustered, or when the cluster manager is active and its Hazelcast member running. */
  static boolean clusterJoined(Vertx vertx) {
    if (!vertx.isClustered()) {
      return true;
    }
    ClusterManager cm = Nodes.clusterManager(vertx);
    try {
      if (cm == null || !cm.isActive()) {
        return false;
      }
      return !Nodes.isHazelcast(vertx)
        || ((HazelcastClusterManager) cm).getHazelcastInstance().getLifecycleService().isRunning();
    } catch (RuntimeException shuttingDown) {
      return false; // a cluster manager being shut down may throw instead of answering: not a member either way
    }
  }

  static void mount(Router router, Vertx vertx, BooleanSupplier deployed) {
    router.get("/health").handler(HealthCheckHandler.createWithHealthChecks(liveness(vertx)));
    router.get("/ready").handler(HealthCheckHandler.createWithHealthChecks(readiness(vertx, deployed)));
    if (vertx.isMetricsEnabled()) {
      router.get("/metrics").handler(PrometheusScrapingHandler.create());
    }
  }
}
