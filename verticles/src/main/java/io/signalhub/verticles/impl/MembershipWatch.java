package io.signalhub.verticles.impl;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.util.UUID;

/**
 * Listens to Hazelcast membership directly (the cluster manager's single {@code nodeListener} slot
 * belongs to Vert.x HA). The listener runs on a Hazelcast event thread and only hands the event over to a
 * Vert.x context: it never blocks.
 */
public final class MembershipWatch implements AutoCloseable {

  private final HazelcastInstance hz;
  private final UUID registration;

  private MembershipWatch(HazelcastInstance hz, UUID registration) {
    this.hz = hz;
    this.registration = registration;
  }

  /**
   * Runs {@code onMemberRemoved} on {@code context} each time a member leaves the cluster (crashed or
   * stopped); {@code null} in a Vertx not clustered with Hazelcast.
   */
  public static MembershipWatch watch(Vertx vertx, Context context, Runnable onMemberRemoved) {
    if (!Nodes.isHazelcast(vertx)) {
      return null;
    }
    HazelcastInstance hz = ((HazelcastClusterManager) Nodes.clusterManager(vertx)).getHazelcastInstance();
    UUID id = hz.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {
      }

      @Override
      public void memberRemoved(MembershipEvent event) {
        context.runOnContext(v -> onMemberRemoved.run());
      }
    });
    return new MembershipWatch(hz, id);
  }

  @Override
  public void close() {
    try {
      hz.getCluster().removeMembershipListener(registration);
    } catch (RuntimeException e) {
      // Hazelcast already shut down
    }
  }
}
