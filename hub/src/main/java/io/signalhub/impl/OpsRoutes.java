package io.signalhub.impl;

import io.signalhub.verticles.impl.Nodes;
import io.vertx.core.Vertx;
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
 *   <li>{@code GET /health}: liveness, 200 {@code {"status":"UP"}} while the node's event loop answers;</li>
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

  static HealthChecks liveness(Vertx vertx) {
    return HealthChecks.create(vertx).register("event-loop", 1000, p -> p.complete(Status.OK()));
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
