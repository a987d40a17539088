package io.signalhub.launcher;

import com.hazelcast.config.Config;
import io.signalhub.HubServerOptions;
import io.signalhub.SignalingHub;
import io.signalhub.verticles.Setting;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * The standalone node: {@code java -jar signalhub-server-<version>-fat.jar [--port 8081] [--config file]}.
 * Clustered by default, with an embedded Hazelcast member that joins the other nodes on this host.
 * Stops gracefully on SIGTERM / Ctrl-C ({@link SignalingHub#undeploy()}): resumable peers are handed to another
 * node, every peer is closed with 1001, and those not handed over are removed from their rooms first.
 */
@Command(name = "signalhub", mixinStandardHelpOptions = true, version = "signalhub 0.1.0",
  description = "Clustered WebRTC signaling hub. Settings come from config/hub.json (built in), then --config FILE, "
    + "then HUB_* environment variables, then these flags.")
public final class HubMain implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(HubMain.class);
  /** The JDK's setting of the common {@code ForkJoinPool}'s parallelism (read once, when the pool is created). */
  static final String COMMON_POOL_PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";

  @Option(names = "--config", paramLabel = "FILE", description = "JSON file overriding the defaults of config/hub.json")
  Path config;

  @Option(names = "--host", description = "interface of the hub's HTTP/WebSocket server: --set host=...")
  String host;

  @Option(names = "--port", description = "port of the hub's HTTP/WebSocket server: --set port=...")
  Integer port;

  @Option(names = "--cluster-config", paramLabel = "FILE", description = "Hazelcast XML: --set clusterConfig=FILE")
  String clusterConfig;

  @Option(names = "--cluster-host", description = "interface of the clustered event bus: --set clusterHost=...")
  String clusterHost;

  @Option(names = "--no-cluster", description = "run one node on its own, without Hazelcast: --set clustered=false")
  boolean noCluster;

  @Option(names = {"-s", "--set"}, paramLabel = "KEY=VALUE", description = "any setting listed below, e.g. --set roomCapacity=8")
  java.util.Map<String, String> settings = new java.util.LinkedHashMap<>();

  @Option(names = "--print-settings", paramLabel = "FORMAT",
    description = "print every setting's default and exit: json (config/hub.json) or markdown (the table of docs/configuration.md)")
  String printSettings;

  /** The settings table printed after the options by {@code --help}: every setting, its default and unit. */
  static String settingsHelp() {
    StringBuilder b = new StringBuilder("%nSettings (config/hub.json, then --config FILE, then environment, then flags):%n");
    String row = "  %-22s %-30s %-17s %s%n";
    b.append(String.format(row, "key", "environment", "default", "meaning"));
    String indent = " ".repeat(2 + 22 + 1 + 30 + 1 + 17 + 1);
    for (Setting<?> s : HubConfig.SETTINGS) {
      String shown = s.shownDefault() + (s.unit().isEmpty() ? "" : " " + s.unit());
      List<String> lines = wrap(s.description().replace("`", ""), 80);
      b.append(String.format(row, s.key(), s.envName(), shown, lines.get(0)));
      lines.subList(1, lines.size()).forEach(line -> b.append(indent).append(line).append("%n"));
    }
    return b.toString().replace("%", "%%").replace("%%n", "%n");
  }

  /** {@code text} cut at spaces into lines of at most {@code width} characters (or one longer word). */
  private static List<String> wrap(String text, int width) {
    List<String> lines = new ArrayList<>();
    StringBuilder line = new StringBuilder();
    for (String word : text.split(" ")) {
      if (line.length() > 0 && line.length() + 1 + word.length() > width) {
        lines.add(line.toString());
        line.setLength(0);
      }
      line.append(line.length() > 0 ? " " : "").append(word);
    }
    lines.add(line.toString());
    return lines;
  }

  /**
   * Gives the common {@code ForkJoinPool} a parallelism of at least 2, unless the JVM was told one. Hazelcast
   * runs the callbacks of its asynchronous calls (every join, leave and id claim) on its default executor, which
   * is that pool, or, when its parallelism is 1 (a machine or container with two cores or fewer), a new thread
   * per callback: measured on one core, about 2,800 threads started per second during a burst of joins with
   * Hazelcast 5.7.0 (1,500 with 5.3.8), and a 9000-room set-up took 37 s instead of 19 s. Must run before
   * anything uses the pool.
   */
  static void commonPoolOfTwoOrMore() {
    if (System.getProperty(COMMON_POOL_PARALLELISM) == null) {
      System.setProperty(COMMON_POOL_PARALLELISM, Integer.toString(Math.max(2, Runtime.getRuntime().availableProcessors() - 1)));
    }
  }

  /** Why the hub's deployment failed, in words that name what to change: a busy port names the port and its setting. */
  static String startFailure(Throwable failure, HubServerOptions server) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof java.net.BindException || String.valueOf(t.getMessage()).contains("Address already in use")) {
        return "port " + server.getPort() + " on " + server.getHost() + " is already in use (another process listens "
          + "there): choose another with --port or the setting 'port'";
      }
    }
    return String.valueOf(failure.getMessage());
  }

  public static void main(String[] args) {
    commonPoolOfTwoOrMore();
    if (System.getProperty("hazelcast.logging.type") == null) {
      System.setProperty("hazelcast.logging.type", "slf4j"); // from its first line (cluster.xml says so only later)
    }
    int code = commandLine().execute(args);
    if (code != 0) {
      System.exit(code);
    }
  }

  /** The command line, with the settings table in its help. */
  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new HubMain());
    cl.getCommandSpec().usageMessage().footer(settingsHelp()).width(160);
    return cl;
  }

  @Override
  public Integer call() throws Exception {
    long t0 = System.nanoTime();
    if (printSettings != null) {
      switch (printSettings) {
        case "json" -> System.out.print(HubConfig.defaultsText());
        case "markdown" -> System.out.print(HubConfig.markdownTable());
        default -> {
          System.err.println("signalhub: --print-settings takes json or markdown");
          return 2;
        }
      }
      return 0;
    }
    JsonObject flags = new JsonObject();
    if (host != null) {
      flags.put(HubServerOptions.HOST.key(), host);
    }
    if (port != null) {
      flags.put(HubServerOptions.PORT.key(), port);
    }
    if (clusterConfig != null) {
      flags.put(ClusterOptions.CLUSTER_CONFIG.key(), clusterConfig);
    }
    if (clusterHost != null) {
      flags.put(ClusterOptions.CLUSTER_HOST.key(), clusterHost);
    }
    if (noCluster) {
      flags.put(ClusterOptions.CLUSTERED.key(), false);
    }
    HubConfig options;
    Vertx loader = Vertx.vertx();
    try {
      for (Map.Entry<String, String> set : settings.entrySet()) {
        Setting<?> setting = HubConfig.setting(set.getKey());
        flags.put(setting.key(), setting.parse(set.getValue()));
      }
      options = HubConfig.load(loader, config, flags).await(30, TimeUnit.SECONDS);
    } catch (IllegalArgumentException e) {
      System.err.println("signalhub: " + e.getMessage());
      return 2;
    } finally {
      loader.close();
    }

    if (!options.hub().isAnonymous() && !options.hub().hasTokenKeys()) {
      // such a node would refuse every connection: not a way to run a node by accident
      System.err.println("signalhub: no client could connect: set jwtSecret (HS256) or jwtPublicKey (RS256, ES256) to "
        + "accept JWTs (docs/protocol.md, \"Authentication\"), or anonymous=true for a demo or local use");
      return 2;
    }
    options.log().apply();
    Vertx vertx = startVertx(options.cluster()).await(60, TimeUnit.SECONDS);
    LogOptions.nodeId(io.signalhub.verticles.impl.Nodes.nodeId(vertx));
    SignalingHub hub;
    try {
      hub = SignalingHub.create(vertx, options.hub());
      hub.deploy(options.server()).await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.error("signalhub failed to start: {}", startFailure(e, options.server()));
      vertx.close().await(30, TimeUnit.SECONDS);
      return 1;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("signalhub stopping");
      try {
        hub.undeploy().eventually(vertx::close).await(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        LOG.warn("signalhub did not stop cleanly: {}", e.toString());
      }
    }, "signalhub-shutdown"));

    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    long jvmMs = System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime();
    String url = (options.server().tls() == null ? "http://" : "https://") + options.server().getHost() + ":"
      + hub.actualPort() + "/";
    String mode = options.cluster().isClustered()
      ? "clustered as node " + io.signalhub.verticles.impl.Nodes.nodeId(vertx) + ", "
        + ((VertxInternal) vertx).clusterManager().getNodes().size() + " node(s) in the cluster"
      : "standalone";
    LOG.info("signalhub listening on {} (WebSocket {}{}), {}, started in {} ms ({} ms since JVM start)", url,
      url.replaceFirst("^http", "ws").replaceAll("/$", ""), options.hub().getWsPath(), mode, ms, jvmMs);
    if (!options.log().isJson()) { // with JSON logs, every line is an object: the line above says it
      System.out.println("signalhub listening on " + url);
      System.out.flush();
    }
    return 0;
  }

  private static Future<Vertx> startVertx(ClusterOptions options) {
    // Vert.x's event-bus meters are off: every connection has its own address (peer.<id>.<epoch>), so they would
    // register meters per peer and look them up on every message (a tenth of the CPU per message when measured).
    VertxOptions vertxOptions = new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions()
      .setEnabled(true).setJvmMetricsEnabled(true).addDisabledMetricsCategory(MetricsDomain.EVENT_BUS)
      .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true).setPublishQuantiles(true)));
    if (!options.isClustered()) {
      return Future.succeededFuture(Vertx.vertx(vertxOptions));
    }
    Config hz = HubConfig.clusterConfig(options);
    EventBusOptions bus = vertxOptions.getEventBusOptions().setHost(options.getClusterHost()).setPort(0)
      .setClusterPingInterval(options.getClusterPingIntervalMs()).setClusterPingReplyInterval(options.getClusterPingTimeoutMs())
      .setConnectTimeout((int) options.getClusterPingTimeoutMs()); // not 60 s: messages wait behind a connect that a partition stalls
    if (options.isClusterTls()) {
      // Mutual TLS between nodes, the files checked by ClusterOptions.validate(). Each side checks the other's
      // certificate against the CA: the accepting node (clientAuth REQUIRED) and the connecting one (trustAll off:
      // the event bus's default is on, which would let a node send to any listener that holds some certificate the
      // CA did not sign). No host name verification: Vert.x's clustered event bus turns it off for its connections
      // (nodes reach each other by the address they publish, usually an IP address), so the CA is the trust root
      // and must sign only this cluster's node certificates.
      bus.setSsl(true).setClientAuth(ClientAuth.REQUIRED).setTrustAll(false)
        .setKeyCertOptions(new PemKeyCertOptions().setCertPath(absolute(options.getClusterTlsCert()))
          .setKeyPath(absolute(options.getClusterTlsKey())))
        .setTrustOptions(new PemTrustOptions().addCertPath(absolute(options.getClusterTlsCa())));
      LOG.info("clustered event bus: mutual TLS (clusterTls), certificate {}, CA {}", absolute(options.getClusterTlsCert()),
        absolute(options.getClusterTlsCa()));
    }
    return Vertx.builder().with(vertxOptions).withClusterManager(new HazelcastClusterManager(hz)).buildClustered();
  }

  /** {@code path} made absolute, so that Vert.x reads that file and never looks for it on the class path. */
  private static String absolute(String path) {
    return Path.of(path).toAbsolutePath().toString();
  }
}
