package io.signalhub.loadtest;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Locale;

/**
 * The load tool's outputs from its JSON report: the final text table, and a self-contained HTML page
 * (no script, no external resource) with the latency percentile plot of each step and throughput over time
 * as inline SVG.
 */
final class Reports {

  private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
    "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

  private Reports() {
  }

  /** The final table: one line per phase, latencies in ms, server CPU in µs per delivered message. */
  static String table(JsonObject r) {
    StringBuilder b = new StringBuilder("\n");
    b.append(String.format(Locale.ROOT, "%-16s %9s %9s %6s %6s %9s %8s %8s %8s %8s %8s %9s %s%n", "phase",
      "sent", "received", "lost", "reord", "recv/s", "p50 ms", "p90 ms", "p99 ms", "p99.9 ms", "max ms",
      "srv µs/msg", "result"));
    JsonObject setup = r.getJsonObject("setup");
    if (setup != null) {
      JsonObject l = setup.getJsonObject("forwardMs");
      b.append(String.format(Locale.ROOT, "%-16s %9d %9d %6d %6d %9s %8s %8s %8s %8s %8s %9s %s%n", "setup",
        setup.getLong("sent"), setup.getLong("received"), setup.getLong("lost"), setup.getLong("reordered"), "-",
        num(l, "p50"), num(l, "p90"), num(l, "p99"), num(l, "p99.9"), num(l, "max"), "-",
        setup.getBoolean("allRoomsSetUp") ? "ok" : "INCOMPLETE"));
    }
    int n = 0;
    for (Object o : r.getJsonArray("steps", new JsonArray())) {
      JsonObject s = (JsonObject) o;
      JsonObject l = s.getJsonObject("latencyMs");
      String name = "warmup".equals(s.getString("name")) ? "warmup" : "step " + (++n);
      b.append(String.format(Locale.ROOT, "%-16s %9d %9d %6d %6d %9.0f %8s %8s %8s %8s %8s %9s %s%n",
        name + " " + (long) s.getDouble("targetRate").doubleValue() + "/s", s.getLong("sent"), s.getLong("received"),
        s.getLong("lost"), s.getLong("reordered"), s.getDouble("receiveRate"), num(l, "p50"), num(l, "p90"),
        num(l, "p99"), num(l, "p99.9"), num(l, "max"),
        s.getValue("serverCpuUsPerMessage") == null ? "-" : String.format(Locale.ROOT, "%.1f", s.getDouble("serverCpuUsPerMessage")),
        "warmup".equals(s.getString("name")) ? "" : s.getBoolean("pass") ? "PASS" : "FAIL"
          + (s.getBoolean("generatorBehind") ? " (generator behind)" : "")));
    }
    if (setup != null) {
      JsonObject room = setup.getJsonObject("roomSetupMs");
      JsonObject join = setup.getJsonObject("connectJoinMs");
      b.append(String.format(Locale.ROOT, "%nrooms set up: %d of %d (%d failed, %d incomplete) in %.0f ms; room set-up "
          + "p50 %s ms, p99 %s ms, max %s ms; connect+join p50 %s ms, p99 %s ms%n", setup.getInteger("roomsSetUp"),
        setup.getInteger("rooms"), setup.getInteger("roomsFailed"), setup.getInteger("roomsIncomplete"),
        setup.getDouble("wallMs"), num(room, "p50"), num(room, "p99"), num(room, "max"), num(join, "p50"), num(join, "p99")));
    }
    JsonObject heap = r.getJsonObject("heap");
    if (heap != null) {
      b.append(String.format(Locale.ROOT, "server heap of live objects: %d bytes per connection (%d connections)%n",
        heap.getLong("bytesPerConnection"), heap.getInteger("connections")));
    }
    if (r.containsKey("maxSustainedRate") && !r.getJsonArray("steps", new JsonArray()).isEmpty()) {
      b.append(String.format(Locale.ROOT, "max sustained rate (p99 <= %s ms, no loss): %.0f msg/s%n",
        r.getJsonObject("config").getValue("sloP99Ms"), r.getDouble("maxSustainedRate")));
    }
    JsonObject errors = r.getJsonObject("errors", new JsonObject());
    b.append("errors: ").append(errors.isEmpty() ? "none" : errors.encode()).append('\n');
    b.append("result: ").append(r.getString("result", "?").toUpperCase(Locale.ROOT))
      .append(r.getBoolean("lost", false) ? " (messages lost)" : "").append('\n');
    return b.toString();
  }

  private static String num(JsonObject o, String key) {
    if (o == null || o.getValue(key) == null) {
      return "-";
    }
    double v = o.getDouble(key);
    return String.format(Locale.ROOT, v >= 100 ? "%.0f" : v >= 10 ? "%.1f" : "%.2f", v);
  }

  private static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }

  /** The HTML report: configuration, table, latency percentile plot, throughput over time. */
  static String html(JsonObject r) {
    StringBuilder b = new StringBuilder();
    JsonObject cfg = r.getJsonObject("config", new JsonObject());
    b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>signalhub loadtest ")
      .append(esc(cfg.getString("runId", ""))).append("</title>\n<style>")
      .append("body{font-family:system-ui,sans-serif;margin:2em;color:#222}pre{background:#f6f6f6;padding:1em;overflow:auto}")
      .append("svg{background:#fff;border:1px solid #ccc;margin:1em 0}.axis{stroke:#444}.grid{stroke:#ddd}")
      .append("text{font-size:12px;font-family:system-ui,sans-serif}</style></head><body>\n");
    b.append("<h1>signalhub loadtest: ").append(esc(r.getString("result", "?").toUpperCase(Locale.ROOT))).append("</h1>\n");
    b.append("<p>").append(esc(r.getString("startedAt", ""))).append(" &middot; targets ")
      .append(esc(cfg.getJsonArray("targets", new JsonArray()).encode())).append(" &middot; dialect ")
      .append(esc(cfg.getString("dialect", ""))).append(" &middot; ").append(cfg.getValue("rooms")).append(" rooms &times; ")
      .append(cfg.getValue("peersPerRoom")).append(" peers</p>\n");
    b.append("<h2>Summary</h2><pre>").append(esc(table(r))).append("</pre>\n");
    b.append("<h2>Forward latency by percentile</h2>\n<p>Latency from each message's scheduled send time to its "
      + "arrival (open loop: a late sender counts). Log scales.</p>\n").append(percentilePlot(r));
    b.append("<h2>Throughput over time</h2>\n<p>Messages sent and received per second, all phases.</p>\n")
      .append(throughputPlot(r));
    b.append("<h2>Configuration and machine</h2><pre>").append(esc(cfg.encodePrettily())).append('\n')
      .append(esc(r.getJsonObject("machine", new JsonObject()).encodePrettily())).append("</pre>\n</body></html>\n");
    return b.toString();
  }

  private static String percentilePlot(JsonObject r) {
    int w = 900;
    int h = 420;
    int left = 70;
    int right = 180;
    int top = 20;
    int bottom = 50;
    double maxX = 5; // 99.999 %
    double maxMs = 0.1;
    double minMs = 10;
    JsonArray steps = r.getJsonArray("steps", new JsonArray());
    JsonArray series = new JsonArray();
    JsonObject setup = r.getJsonObject("setup");
    for (Object o : steps) {
      JsonObject s = (JsonObject) o;
      if (!"warmup".equals(s.getString("name"))) {
        series.add(s);
      }
    }
    for (Object o : series) {
      for (Object p : ((JsonObject) o).getJsonArray("percentiles", new JsonArray())) {
        double v = ((JsonArray) p).getDouble(1);
        maxMs = Math.max(maxMs, v);
        if (v > 0) {
          minMs = Math.min(minMs, v);
        }
      }
    }
    double loY = Math.floor(Math.log10(Math.max(0.01, minMs)));
    double hiY = Math.ceil(Math.log10(maxMs * 1.2));
    if (hiY <= loY) {
      hiY = loY + 1;
    }
    double fLo = loY;
    double fHi = hiY;
    StringBuilder b = new StringBuilder();
    b.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(w).append("\" height=\"").append(h).append("\">");
    java.util.function.DoubleUnaryOperator px = x -> left + (w - left - right) * Math.min(x, maxX) / maxX;
    java.util.function.DoubleUnaryOperator py = v -> top + (h - top - bottom)
      * (1 - (Math.log10(Math.max(v, Math.pow(10, fLo))) - fLo) / (fHi - fLo));
    String[] labels = {"0%", "90%", "99%", "99.9%", "99.99%", "99.999%"};
    for (int i = 0; i <= 5; i++) {
      double x = px.applyAsDouble(i);
      b.append(line(x, top, x, h - bottom, "grid")).append(text(x, h - bottom + 18, labels[i], "middle"));
    }
    for (double e = loY; e <= hiY; e++) {
      double y = py.applyAsDouble(Math.pow(10, e));
      b.append(line(left, y, w - right, y, "grid")).append(text(left - 6, y + 4, fmt(Math.pow(10, e)) + " ms", "end"));
    }
    b.append(line(left, h - bottom, w - right, h - bottom, "axis")).append(line(left, top, left, h - bottom, "axis"));
    b.append(text((left + w - right) / 2.0, h - 10, "percentile", "middle"));
    int i = 0;
    for (Object o : series) {
      JsonObject s = (JsonObject) o;
      String color = COLORS[i % COLORS.length];
      StringBuilder pts = new StringBuilder();
      for (Object p : s.getJsonArray("percentiles", new JsonArray())) {
        JsonArray a = (JsonArray) p;
        double pct = a.getDouble(0);
        double x = pct >= 100 ? maxX : Math.log10(1 / (1 - pct / 100));
        pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", px.applyAsDouble(x), py.applyAsDouble(a.getDouble(1))));
      }
      b.append("<polyline fill=\"none\" stroke-width=\"2\" stroke=\"").append(color).append("\" points=\"")
        .append(pts).append("\"/>");
      String label = String.format(Locale.ROOT, "%.0f msg/s%s", s.getDouble("targetRate"), s.getBoolean("pass") ? "" : " (fail)");
      b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>",
        w - right + 15, top + 18 * i, color)).append(text(w - right + 32, top + 18 * i + 11, label, "start"));
      i++;
    }
    if (series.isEmpty()) {
      b.append(text(w / 2.0, h / 2.0, "no steady step", "middle"));
    }
    b.append("</svg>\n");
    if (setup != null) {
      b.append("<p>Set-up messages (offer, answer, candidates): p99 ")
        .append(setup.getJsonObject("forwardMs", new JsonObject()).getValue("p99")).append(" ms.</p>\n");
    }
    return b.toString();
  }

  private static String throughputPlot(JsonObject r) {
    int w = 900;
    int h = 320;
    int left = 70;
    int right = 20;
    int top = 30;
    int bottom = 40;
    JsonArray tl = r.getJsonArray("timeline", new JsonArray());
    double max = 1;
    for (Object o : tl) {
      JsonObject p = (JsonObject) o;
      max = Math.max(max, Math.max(p.getLong("sent"), p.getLong("received")));
    }
    double step = niceStep(max / 5);
    max = Math.ceil(max / step) * step;
    int n = Math.max(1, tl.size());
    double ymax = max;
    java.util.function.DoubleUnaryOperator px = x -> left + (w - left - right) * x / n;
    java.util.function.DoubleUnaryOperator py = v -> top + (h - top - bottom) * (1 - v / ymax);
    StringBuilder b = new StringBuilder();
    b.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(w).append("\" height=\"").append(h).append("\">");
    for (double v = 0; v <= max + 1e-9; v += step) {
      double y = py.applyAsDouble(v);
      b.append(line(left, y, w - right, y, "grid")).append(text(left - 6, y + 4, fmt(v), "end"));
    }
    StringBuilder sent = new StringBuilder();
    StringBuilder recv = new StringBuilder();
    String phase = null;
    for (int i = 0; i < tl.size(); i++) {
      JsonObject p = tl.getJsonObject(i);
      String ph = p.getString("phase") + "@" + p.getValue("rate");
      if (!ph.equals(phase)) {
        phase = ph;
        double x = px.applyAsDouble(i);
        String label = "setup".equals(p.getString("phase")) ? "set-up"
          : p.getString("phase").replace("step", "") + String.format(Locale.ROOT, " %.0f/s", p.getDouble("rate"));
        b.append(line(x, top - 10, x, h - bottom, "axis")).append(text(x + 3, top - 2, label.trim(), "start"));
      }
      sent.append(String.format(Locale.ROOT, "%.1f,%.1f ", px.applyAsDouble(i + 1), py.applyAsDouble(p.getLong("sent"))));
      recv.append(String.format(Locale.ROOT, "%.1f,%.1f ", px.applyAsDouble(i + 1), py.applyAsDouble(p.getLong("received"))));
    }
    b.append(line(left, h - bottom, w - right, h - bottom, "axis")).append(line(left, top, left, h - bottom, "axis"));
    b.append("<polyline fill=\"none\" stroke=\"#999\" stroke-dasharray=\"4 3\" stroke-width=\"2\" points=\"").append(sent).append("\"/>");
    b.append("<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\" points=\"").append(recv).append("\"/>");
    b.append(text((left + w - right) / 2.0, h - 8, "seconds (gray dashed: sent/s, blue: received/s)", "middle"));
    b.append("</svg>\n");
    return b.toString();
  }

  private static double niceStep(double raw) {
    double e = Math.pow(10, Math.floor(Math.log10(Math.max(raw, 1e-9))));
    double f = raw / e;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * e;
  }

  private static String fmt(double v) {
    if (v >= 1000) {
      return String.format(Locale.ROOT, "%.0fk", v / 1000);
    }
    return v >= 1 ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%s", v);
  }

  private static String line(double x1, double y1, double x2, double y2, String cls) {
    return String.format(Locale.ROOT, "<line class=\"%s\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", cls, x1, y1, x2, y2);
  }

  private static String text(double x, double y, String s, String anchor) {
    return String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">%s</text>", x, y, anchor, esc(s));
  }
}
