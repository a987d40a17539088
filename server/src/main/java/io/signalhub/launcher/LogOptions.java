package io.signalhub.launcher;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import io.signalhub.verticles.Setting;
import io.signalhub.verticles.Settings;
import io.vertx.core.json.JsonObject;
import org.slf4j.LoggerFactory;

import java.net.URL;
import java.util.List;

/**
 * How the standalone node logs (logback, the server's backend; the library artifacts choose none): {@code text}, one
 * line per event for people ({@code logback.xml}), or {@code json}, one JSON object per line for a log pipeline
 * ({@code logback-json.xml}: logback's own {@code JsonEncoder}, fields {@code timestamp} (epoch ms), {@code level},
 * {@code loggerName}, {@code formattedMessage}, {@code kvpList} with the event's fields where it has them
 * ({@code event}, {@code peer}, {@code room}, {@code reason}, {@code ip}, {@code member}), and the node's id as
 * {@code context.properties.node}).
 */
public class LogOptions extends Settings<LogOptions> {

  public static final Setting<String> LOG_FORMAT = Setting.ofString("logFormat", "text",
      "`text` (one line per event) or `json` (one JSON object per line, logback's JsonEncoder: level, logger, message, "
        + "the event's peer, room and event fields, and the node id; docs/configuration.md, Logs)")
    .rule(v -> v.equals("text") || v.equals("json"), "must be text or json");

  /** Every setting, in the order of {@code config/hub.json}. */
  public static final List<Setting<?>> SETTINGS = List.of(LOG_FORMAT);

  /** Class-path location of the JSON logging configuration. */
  static final String JSON_CONFIG = "/logback-json.xml";

  public LogOptions() {
    super(SETTINGS);
  }

  /**
   * Options read from JSON, then validated; absent keys keep their defaults, other keys are ignored.
   *
   * @throws IllegalArgumentException naming the key, when a value has the wrong type or breaks a rule
   */
  public LogOptions(JsonObject json) {
    super(SETTINGS, json);
  }

  /** {@link #LOG_FORMAT}. */
  public String getLogFormat() { return get(LOG_FORMAT); }
  public LogOptions setLogFormat(String v) { return set(LOG_FORMAT, v); }

  /** Whether lines are JSON objects. */
  public boolean isJson() {
    return "json".equals(getLogFormat());
  }

  /**
   * Applies the format to logback (already configured with {@code logback.xml} at the JVM's first log line): for
   * {@code json}, reconfigures it with {@value #JSON_CONFIG}.
   */
  public void apply() {
    if (!isJson() || !(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
      return;
    }
    URL config = LogOptions.class.getResource(JSON_CONFIG);
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    context.reset();
    try {
      configurator.doConfigure(config);
    } catch (JoranException e) {
      throw new IllegalStateException("cannot read " + JSON_CONFIG, e);
    }
  }

  /** Adds the node's id to every line ({@code context.properties.node} in JSON). */
  public static void nodeId(String node) {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) {
      context.putProperty("node", node);
    }
  }
}
