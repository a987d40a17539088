package io.signalhub;

import io.vertx.core.Vertx;

/** {@link TestCluster} for tests outside this package. */
public final class TestClusterAccess {

  private final TestCluster cluster = new TestCluster();

  public Vertx startNode() throws Exception {
    return cluster.startNode();
  }

  public void close() throws Exception {
    cluster.close();
  }
}
