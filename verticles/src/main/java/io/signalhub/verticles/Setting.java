package io.signalhub.verticles;

import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * One setting of an options class ({@link HubOptions}, the hub's server options, the launcher's cluster
 * options): its JSON key, value type, default, unit, meaning and the rules a value must pass. Each setting
 * is written once, as a constant of its options class; the JSON constructor, {@code toJson()}, validation,
 * {@code config/hub.json}, the launcher's {@code --help} and the table of {@code docs/configuration.md} all
 * come from these constants.
 *
 * <p>Instances are immutable; {@link #rule} returns a copy with one more rule.
 *
 * @param <T> {@link Integer}, {@link Long}, {@link Boolean} or {@link String}
 */
public final class Setting<T> {

  /** A rule that may read the other settings of the same options. */
  @FunctionalInterface
  public interface Rule<T> {
    /**
     * @param value the setting's value, never {@code null}
     * @param all the options it belongs to, to read other settings with {@link Settings#get(Setting)}
     * @return whether {@code value} is valid; {@code false} makes validation throw with the rule's message
     */
    boolean test(T value, Settings<?> all);
  }

  private record Check<T>(Rule<T> rule, String message) {
  }

  private final String key;
  private final Class<T> type;
  private final T defaultValue;
  private final String unit;
  private final String description;
  private final boolean secret;
  private final List<Check<T>> checks;

  private Setting(String key, Class<T> type, T defaultValue, String unit, String description, boolean secret,
                  List<Check<T>> checks) {
    this.key = Objects.requireNonNull(key, "key");
    this.type = type;
    this.defaultValue = Objects.requireNonNull(defaultValue, "defaultValue");
    this.unit = unit;
    this.description = description;
    this.secret = secret;
    this.checks = List.copyOf(checks);
  }

  /** An {@code int} setting; {@code unit} is {@code ""} when it has none. */
  public static Setting<Integer> ofInt(String key, int defaultValue, String unit, String description) {
    return new Setting<>(key, Integer.class, defaultValue, unit, description, false, List.of());
  }

  /** A {@code long} setting; {@code unit} is {@code ms} for a duration (its key ending in {@code Ms}). */
  public static Setting<Long> ofLong(String key, long defaultValue, String unit, String description) {
    return new Setting<>(key, Long.class, defaultValue, unit, description, false, List.of());
  }

  /** A {@code boolean} setting. */
  public static Setting<Boolean> ofBoolean(String key, boolean defaultValue, String description) {
    return new Setting<>(key, Boolean.class, defaultValue, "", description, false, List.of());
  }

  /** A string setting. */
  public static Setting<String> ofString(String key, String defaultValue, String description) {
    return new Setting<>(key, String.class, defaultValue, "", description, false, List.of());
  }

  /** A copy with one more rule on the value alone; {@code message} completes "invalid hub setting 'key': ". */
  public Setting<T> rule(Predicate<T> rule, String message) {
    return rule((value, all) -> rule.test(value), message);
  }

  /** A copy with one more rule that may read other settings of the same options. */
  public Setting<T> rule(Rule<T> rule, String message) {
    List<Check<T>> more = new ArrayList<>(checks);
    more.add(new Check<>(rule, message));
    return new Setting<>(key, type, defaultValue, unit, description, secret, more);
  }

  /** A copy whose value {@code toString()} of its options masks and {@code --help} never shows. */
  public Setting<T> secret() {
    return new Setting<>(key, type, defaultValue, unit, description, true, checks);
  }

  /** The JSON key, also the name in {@code --set KEY=VALUE}. */
  public String key() {
    return key;
  }

  /** {@link Integer}, {@link Long}, {@link Boolean} or {@link String}. */
  public Class<T> type() {
    return type;
  }

  /** The default, never {@code null} ({@code ""} for a string setting without one). */
  public T defaultValue() {
    return defaultValue;
  }

  /** The unit ({@code ms}, {@code bytes}, {@code peers}...), {@code ""} when none. */
  public String unit() {
    return unit;
  }

  /** What it does, in Markdown (as in {@code docs/configuration.md}). */
  public String description() {
    return description;
  }

  /** Whether the value is a secret, masked by {@code toString()}. */
  public boolean isSecret() {
    return secret;
  }

  /** The environment variable that sets it: {@code HUB_} and the key in upper snake case. */
  public String envName() {
    return "HUB_" + key.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
  }

  /**
   * The value of {@code json}'s key, or {@code null} when absent or null.
   *
   * @throws IllegalArgumentException naming the key, when the JSON type is wrong
   */
  T read(JsonObject json) {
    Object raw = json.getValue(key);
    if (raw == null) {
      return null;
    }
    boolean numeric = type == Integer.class || type == Long.class;
    if (numeric ? !(raw instanceof Number) : !type.isInstance(raw)) {
      throw invalid("wrong JSON type, must be " + typeName());
    }
    if (type == Integer.class) {
      long n = ((Number) raw).longValue();
      if (n != (int) n) {
        throw invalid("out of the int range");
      }
      return type.cast((int) n);
    }
    return type == Long.class ? type.cast(((Number) raw).longValue()) : type.cast(raw);
  }

  /**
   * The value written as text (an environment variable, {@code --set}).
   *
   * @throws IllegalArgumentException naming the key, when {@code text} is not of the setting's type
   */
  public T parse(String text) {
    return parse(text, null);
  }

  /**
   * {@link #parse(String)}, naming where {@code text} came from in the error.
   *
   * @param source e.g. the environment variable, or {@code null}
   * @throws IllegalArgumentException {@code invalid hub setting '<key>' from <source>: '<text>' is not a long}
   */
  public T parse(String text, String source) {
    String t = text.trim();
    try {
      if (type == Integer.class) {
        return type.cast(Integer.valueOf(t));
      } else if (type == Long.class) {
        return type.cast(Long.valueOf(t));
      } else if (type == Boolean.class) {
        if (t.equalsIgnoreCase("true") || t.equalsIgnoreCase("false")) {
          return type.cast(Boolean.valueOf(t));
        }
        throw new NumberFormatException();
      }
      return type.cast(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("invalid hub setting '" + key + "'" + (source == null ? "" : " from " + source)
        + ": '" + t + "' is not " + typeName());
    }
  }

  /** Checks {@code value} against the rules; {@code all} holds the other settings. */
  void check(T value, Settings<?> all) {
    if (value == null) {
      throw invalid("must be " + typeName());
    }
    for (Check<T> c : checks) {
      if (!c.rule().test(value, all)) {
        throw invalid(c.message());
      }
    }
  }

  private String typeName() {
    return type == Integer.class ? "an int" : type == Long.class ? "a long"
      : type == Boolean.class ? "a boolean (true or false)" : "a string";
  }

  /** {@code invalid hub setting '<key>': <what>}. */
  public IllegalArgumentException invalid(String what) {
    return new IllegalArgumentException("invalid hub setting '" + key + "': " + what);
  }

  /** The default as shown by {@code --help} and the docs: {@code ""} for an empty string. */
  public String shownDefault() {
    String s = String.valueOf(defaultValue);
    return s.isEmpty() ? "\"\"" : s;
  }

  /** Its row of the Markdown table of {@code docs/configuration.md}. */
  public String markdownRow() {
    return "| `" + key + "` | `" + shownDefault() + "` | " + (unit.isEmpty() ? "" : unit + " ") + "| " + description + " |";
  }

  /** The header of the Markdown table whose rows are {@link #markdownRow()}. */
  public static String markdownHeader() {
    return "| key | default | unit | meaning |\n|---|---|---|---|";
  }

  /** The Markdown table of {@code settings}, one row each, ending with a newline. */
  public static String markdownTable(List<Setting<?>> settings) {
    StringBuilder b = new StringBuilder(markdownHeader()).append('\n');
    settings.forEach(s -> b.append(s.markdownRow()).append('\n'));
    return b.toString();
  }

  @Override
  public String toString() {
    return key;
  }
}
