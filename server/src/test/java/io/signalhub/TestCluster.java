package io.signalhub;

import com.hazelcast.config.Config;
import io.signalhub.launcher.HubConfig;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Real Hazelcast members on loopback for tests: the built-in {@code config/cluster.xml} with a random
 * cluster name and a random port range, so tests never join a node a developer is running.
 */
final class TestCluster {

  private final String name = "signalhub-test-" + UUID.randomUUID();
  private final int basePort = 20_000 + 10 * ThreadLocalRandom.current().nextInt(2_000);
  private final List<Vertx> nodes = new ArrayList<>();

  /** Starts one more clustered Vertx and waits until it has joined the others. */
  Vertx startNode() throws Exception {
    Config hz = HubConfig.clusterConfig(new io.signalhub.launcher.ClusterOptions());
    hz.setClusterName(name);
    hz.getNetworkConfig().setPort(basePort).setPortCount(10).setPortAutoIncrement(true);
    List<String> members = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      members.add("127.0.0.1:" + (basePort + i));
    }
    hz.getNetworkConfig().getJoin().getTcpIpConfig().setMembers(members);
    VertxOptions options = new VertxOptions();
    options.getEventBusOptions().setHost("127.0.0.1").setPort(0);
    Vertx vertx = Vertx.builder().with(options).withClusterManager(new HazelcastClusterManager(hz)).buildClustered()
      .await(60, TimeUnit.SECONDS);
    nodes.add(vertx);
    return vertx;
  }

  /** The nodes started and not stopped yet, first started first. */
  List<Vertx> nodes() {
    return List.copyOf(nodes);
  }

  /** Closes one node gracefully (its hubs undeployed first by the caller, or by the close). */
  void stop(Vertx node) throws Exception {
    nodes.remove(node);
    node.close().await(60, TimeUnit.SECONDS);
  }

  /** Closes every node started, last first. */
  void close() throws Exception {
    for (int i = nodes.size() - 1; i >= 0; i--) {
      nodes.get(i).close().await(60, TimeUnit.SECONDS);
    }
    nodes.clear();
  }
}
