package io.signalhub.launcher;

import com.hazelcast.config.Config;
import io.signalhub.SignalingHub;
import io.signalhub.verticles.HubOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
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
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * The standalone node: {@code java -jar signalhub-server-<version>-fat.jar [--port 8081] [--config file]}.
 * Clustered by default, with an embedded Hazelcast member that joins the other nodes on this host.
 * Stops gracefully on SIGTERM / Ctrl-C: peers are closed with 1001 and removed from their rooms first.
 */
@Command(name = "signalhub", mixinStandardHelpOptions = true, version = "signalhub 0.1.0",
  description = "Clustered WebRTC signaling hub. Settings come from config/hub.json (built in), then --config FILE, "
    + "then HUB_* environment variables, then these flags.")
public final class HubMain implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(HubMain.class);

  @Option(names = "--config", paramLabel = "FILE", description = "JSON file overriding the defaults of config/hub.json")
  Path config;

  @Option(names = "--host", description = "HTTP/WebSocket interface (default from config: 127.0.0.1, loopback only)")
  String host;

  @Option(names = "--port", description = "HTTP/WebSocket port (default from config: 8080)")
  Integer port;

  @Option(names = "--cluster-config", paramLabel = "FILE", description = "Hazelcast XML (default: the built-in config/cluster.xml)")
  String clusterConfig;

  @Option(names = "--cluster-host", description = "interface of the clustered event bus (default from config: 127.0.0.1)")
  String clusterHost;

  @Option(names = "--no-cluster", description = "run one node on its own, without Hazelcast")
  boolean noCluster;

  @Option(names = {"-s", "--set"}, paramLabel = "KEY=VALUE", description = "any setting listed below, e.g. --set roomCapacity=8")
  java.util.Map<String, String> settings = new java.util.LinkedHashMap<>();

  /** The settings table printed after the options by {@code --help}. */
  static String settingsHelp() {
    JsonObject defaults = new HubOptions().toJson();
    StringBuilder b = new StringBuilder("%nSettings (config/hub.json, then --config FILE, then environment, then flags):%n");
    b.append(String.format("  %-20s %-28s %-15s %s%n", "key", "environment", "default", "meaning"));
    for (HubOptions.Setting s : HubOptions.SETTINGS) {
      String def = String.valueOf(defaults.getValue(s.key()));
      String shown = (def.isEmpty() ? "\"\"" : def) + (s.unit().isEmpty() ? "" : " " + s.unit());
      b.append(String.format("  %-20s %-28s %-15s %s%n", s.key(), s.envName(), shown, s.description()));
    }
    return b.toString().replace("%", "%%").replace("%%n", "%n");
  }

  public static void main(String[] args) {
    int code = commandLine().execute(args);
    if (code != 0) {
      System.exit(code);
    }
  }

  private static Boolean strictBoolean(String text) {
    if ("true".equalsIgnoreCase(text) || "false".equalsIgnoreCase(text)) {
      return Boolean.valueOf(text);
    }
    throw new IllegalArgumentException(text);
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
    JsonObject flags = new JsonObject();
    if (host != null) {
      flags.put("host", host);
    }
    if (port != null) {
      flags.put("port", port);
    }
    if (clusterConfig != null) {
      flags.put("clusterConfig", clusterConfig);
    }
    if (clusterHost != null) {
      flags.put("clusterHost", clusterHost);
    }
    if (noCluster) {
      flags.put("clustered", false);
    }
    JsonObject defaults = new HubOptions().toJson();
    for (java.util.Map.Entry<String, String> set : settings.entrySet()) {
      Object def = defaults.getValue(set.getKey());
      if (def == null) {
        System.err.println("signalhub: unknown setting '" + set.getKey() + "' (see --help)");
        return 2;
      }
      try {
        flags.put(set.getKey(), def instanceof Integer ? Integer.valueOf(set.getValue())
          : def instanceof Long ? Long.valueOf(set.getValue())
          : def instanceof Boolean ? strictBoolean(set.getValue()) : set.getValue());
      } catch (IllegalArgumentException e) {
        System.err.println("signalhub: invalid hub setting '" + set.getKey() + "': '" + set.getValue() + "' is not a "
          + (def instanceof Boolean ? "boolean (true or false)" : "number"));
        return 2;
      }
    }
    HubOptions options;
    Vertx loader = Vertx.vertx();
    try {
      options = HubConfig.load(loader, config, flags).await(30, TimeUnit.SECONDS);
    } catch (IllegalArgumentException e) {
      System.err.println("signalhub: " + e.getMessage());
      return 2;
    } finally {
      loader.close();
    }

    Vertx vertx = startVertx(options).await(60, TimeUnit.SECONDS);
    SignalingHub hub;
    try {
      hub = SignalingHub.create(vertx, options);
      hub.deploy().await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.error("signalhub failed to start: {}", e.getMessage());
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
    String url = "http://" + options.getHost() + ":" + hub.actualPort() + "/";
    String mode = options.isClustered()
      ? "clustered, " + ((VertxInternal) vertx).clusterManager().getNodes().size() + " node(s) in the cluster"
      : "standalone";
    LOG.info("signalhub listening on {} (WebSocket {}{}), {}, started in {} ms ({} ms since JVM start)", url,
      url.replaceFirst("^http", "ws").replaceAll("/$", ""), options.getWsPath(), mode, ms, jvmMs);
    System.out.println("signalhub listening on " + url);
    System.out.flush();
    return 0;
  }

  private static Future<Vertx> startVertx(HubOptions options) {
    // Vert.x's event-bus meters are off: every connection has its own address (peer.<id>.<epoch>), so they would
    // register meters per peer and look them up on every message (a tenth of the CPU per message when measured).
    VertxOptions vertxOptions = new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions()
      .setEnabled(true).setJvmMetricsEnabled(true).addDisabledMetricsCategory(MetricsDomain.EVENT_BUS)
      .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true).setPublishQuantiles(true)));
    if (!options.isClustered()) {
      return Future.succeededFuture(Vertx.vertx(vertxOptions));
    }
    Config hz = HubConfig.clusterConfig(options);
    vertxOptions.getEventBusOptions().setHost(options.getClusterHost()).setPort(0);
    return Vertx.builder().with(vertxOptions).withClusterManager(new HazelcastClusterManager(hz)).buildClustered();
  }
}
