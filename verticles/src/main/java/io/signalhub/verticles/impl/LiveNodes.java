package io.signalhub.verticles.impl;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;

import java.util.HashSet;
import java.util.Set;

/** The Vert.x node ids of the current Hazelcast members, as seen by the member that asks. */
final class LiveNodes {

  /** Member attribute in which the Vert.x Hazelcast cluster manager stores the Vert.x node id. */
  static final String NODE_ID_ATTRIBUTE = "__vertx.nodeId";

  private LiveNodes() {
  }

  static Set<String> of(HazelcastInstance hz) {
    Set<String> live = new HashSet<>();
    for (Member member : hz.getCluster().getMembers()) {
      String id = member.getAttribute(NODE_ID_ATTRIBUTE);
      if (id != null) {
        live.add(id);
      }
    }
    return live;
  }
}
