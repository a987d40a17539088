package io.signalhub.verticles.impl;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.partition.MigrationListener;
import com.hazelcast.partition.MigrationState;
import com.hazelcast.partition.ReplicaMigrationEvent;
import com.hazelcast.core.LifecycleEvent;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Listens to Hazelcast directly (the cluster manager's single {@code nodeListener} slot belongs to Vert.x HA): members
 * that leave or join, this member merging into another cluster after a partition or a stall ({@link LifecycleEvent}
 * {@code MERGED}, Hazelcast Reference Manual, "Network Partitioning"), and a partition of the stores whose every
 * replica was lost ({@code IMap.addPartitionLostListener}: Hazelcast tells a map's listeners only when the owner and
 * all the map's backups are gone, not when a backup merely took over from a failed owner, which its cluster-wide
 * {@code PartitionLostListener} also reports).
 * The listeners run on Hazelcast event threads and only hand the event over to a Vert.x context: they never block.
 */
public final class MembershipWatch implements AutoCloseable {

  /** What presence does on each change, on its context. Node ids are Vert.x node ids ({@link LiveNodes}). */
  public interface Changes {
    /** A member left the cluster: crashed, stopped, or cut off by a partition or a stall. */
    void memberRemoved(String node);

    /** A member joined the cluster (a new node, or one back after a partition or a stall). */
    void memberAdded(String node);

    /** This member starts merging into another cluster (members it sees join meanwhile are part of the merge). */
    void merging();

    /** This member merged into another cluster: the maps hold the other side's data, some of ours discarded. */
    void merged();

    /** Every replica of some partition of a store was lost (members left at once): entries of the cluster maps are gone. */
    void dataLost();
  }

  private static final Logger LOG = LoggerFactory.getLogger(MembershipWatch.class);

  private final HazelcastInstance hz;
  private final UUID membership;
  private final UUID migrations;
  private final UUID lifecycle;
  /** The partition-lost listeners of the two stores' maps, by map name. */
  private final Map<String, UUID> partitions;

  private MembershipWatch(HazelcastInstance hz, UUID membership, UUID migrations, UUID lifecycle,
                          Map<String, UUID> partitions) {
    this.hz = hz;
    this.membership = membership;
    this.migrations = migrations;
    this.lifecycle = lifecycle;
    this.partitions = partitions;
  }

  /** Tells {@code changes}, on {@code context}, of each change; {@code null} in a Vertx not clustered with Hazelcast. */
  public static MembershipWatch watch(Vertx vertx, Context context, Changes changes) {
    if (!Nodes.isHazelcast(vertx)) {
      return null;
    }
    HazelcastInstance hz = ((HazelcastClusterManager) Nodes.clusterManager(vertx)).getHazelcastInstance();
    UUID membership = hz.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {
        String node = event.getMember().getAttribute(LiveNodes.NODE_ID_ATTRIBUTE);
        context.runOnContext(v -> changes.memberAdded(node));
      }

      @Override
      public void memberRemoved(MembershipEvent event) {
        String node = event.getMember().getAttribute(LiveNodes.NODE_ID_ATTRIBUTE);
        context.runOnContext(v -> changes.memberRemoved(node));
      }
    });
    UUID lifecycle = hz.getLifecycleService().addLifecycleListener(event -> {
      if (event.getState() == LifecycleEvent.LifecycleState.MERGING) {
        context.runOnContext(v -> changes.merging());
      } else if (event.getState() == LifecycleEvent.LifecycleState.MERGED) {
        context.runOnContext(v -> changes.merged());
      }
    });
    Map<String, UUID> partitions = new HashMap<>();
    for (String map : List.of(HazelcastRoomStore.MAP, HazelcastPeerDirectory.MAP)) {
      partitions.put(map, hz.getMap(map).addPartitionLostListener(event -> context.runOnContext(v -> changes.dataLost())));
    }
    return new MembershipWatch(hz, membership, hz.getPartitionService().addMigrationListener(new MigrationLog(hz)),
      lifecycle, partitions);
  }

  /**
   * Whether this member is the oldest of the cluster members whose Vert.x node id is in {@code nodes}, as this member
   * sees the cluster (Hazelcast lists its members oldest first; each side of a partition has its own oldest). True
   * when none of them is a member: then it is better to act than to leave it to no one.
   */
  public boolean isOldestOf(Set<String> nodes) {
    for (com.hazelcast.cluster.Member member : hz.getCluster().getMembers()) { // not this package's Member
      String id = member.getAttribute(LiveNodes.NODE_ID_ATTRIBUTE);
      if (id != null && nodes.contains(id)) {
        return member.localMember();
      }
    }
    return true;
  }

  @Override
  public void close() {
    try {
      hz.getCluster().removeMembershipListener(membership);
      hz.getPartitionService().removeMigrationListener(migrations);
      hz.getLifecycleService().removeLifecycleListener(lifecycle);
      partitions.forEach((map, id) -> hz.getMap(map).removePartitionLostListener(id));
    } catch (RuntimeException e) {
      // Hazelcast already shut down
    }
  }

  /**
   * Logs the end of each round of partition migrations (after a member joined or left), on the member that
   * coordinates it (the oldest; Hazelcast's {@code MigrationListener}): {@code partition migrations finished over
   * <n> members: <completed> of <planned> done, <remaining> remaining}. Until then a map call on a moving partition
   * waits for the move (a join may then outlast {@code requestTimeoutMs}); {@code GET /health} shows the same as
   * {@code safe}. Runs on a Hazelcast thread and only logs.
   */
  private static final class MigrationLog implements MigrationListener {
    private final HazelcastInstance hz;

    MigrationLog(HazelcastInstance hz) {
      this.hz = hz;
    }

    @Override
    public void migrationStarted(MigrationState state) {
    }

    @Override
    public void migrationFinished(MigrationState state) {
      LOG.atInfo().addKeyValue("event", "migrations-finished").addKeyValue("remaining", state.getRemainingMigrations())
        .log("partition migrations finished over {} members: {} of {} done, {} remaining",
          hz.getCluster().getMembers().size(), state.getCompletedMigrations(), state.getPlannedMigrations(),
          state.getRemainingMigrations());
    }

    @Override
    public void replicaMigrationCompleted(ReplicaMigrationEvent event) {
    }

    @Override
    public void replicaMigrationFailed(ReplicaMigrationEvent event) {
    }
  }
}
