package io.signalhub.verticles;

import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The values of a table of {@link Setting}s: the base of the hub's options classes. It gives them their
 * defaults, JSON constructor, {@link #toJson()}, {@link #validate()} and {@link #toString()} (secrets
 * masked); a subclass lists its settings as constants and adds typed one-line accessors.
 *
 * @param <S> the subclass, returned by the fluent setters
 */
public abstract class Settings<S extends Settings<S>> {

  private final List<Setting<?>> table;
  private final Map<Setting<?>, Object> values = new HashMap<>();

  /** Every setting of {@code table} at its default. */
  protected Settings(List<Setting<?>> table) {
    this.table = table;
    table.forEach(s -> values.put(s, s.defaultValue()));
  }

  /**
   * Settings read from {@code json}, then validated; absent keys keep their defaults, keys of other tables
   * are ignored (one flat configuration file holds every table).
   *
   * @throws IllegalArgumentException naming the key, when a value has the wrong JSON type or breaks a rule
   */
  protected Settings(List<Setting<?>> table, JsonObject json) {
    this(table);
    Objects.requireNonNull(json, "json");
    for (Setting<?> s : table) {
      Object value = s.read(json);
      if (value != null) {
        values.put(s, value);
      }
    }
    validate();
  }

  /** The settings of this table, in the order of {@code config/hub.json}. */
  public List<Setting<?>> settings() {
    return table;
  }

  /**
   * The value of {@code setting}, one of {@link #settings()}.
   *
   * @throws IllegalArgumentException when {@code setting} is not one of {@link #settings()}
   */
  public <T> T get(Setting<T> setting) {
    return setting.type().cast(values.get(known(setting)));
  }

  /**
   * Sets {@code setting}, one of {@link #settings()}; not checked here, but by {@link #validate()}.
   *
   * @return this
   * @throws IllegalArgumentException when {@code setting} is not one of {@link #settings()}
   */
  @SuppressWarnings("unchecked")
  public <T> S set(Setting<T> setting, T value) {
    values.put(known(setting), value);
    return (S) this;
  }

  private Setting<?> known(Setting<?> setting) {
    if (!values.containsKey(setting)) {
      throw new IllegalArgumentException("'" + setting.key() + "' is not a setting of " + getClass().getSimpleName());
    }
    return setting;
  }

  /**
   * Checks every setting against its rules, in table order.
   *
   * @return this
   * @throws IllegalArgumentException {@code invalid hub setting '<key>': <rule>}, for the first one broken
   */
  @SuppressWarnings("unchecked")
  public S validate() {
    for (Setting<?> s : table) {
      check(s);
    }
    return (S) this;
  }

  private <T> void check(Setting<T> setting) {
    setting.check(get(setting), this);
  }

  /** Every setting, with the keys the JSON constructor reads. */
  public JsonObject toJson() {
    JsonObject json = new JsonObject();
    table.forEach(s -> json.put(s.key(), values.get(s)));
    return json;
  }

  /** The defaults of {@code table} as JSON, as in {@code config/hub.json}. */
  public static JsonObject defaults(List<Setting<?>> table) {
    JsonObject json = new JsonObject();
    table.forEach(s -> json.put(s.key(), s.defaultValue()));
    return json;
  }

  /** {@link #toJson()} with every non-empty secret shown as {@code ***}. */
  @Override
  public String toString() {
    JsonObject json = toJson();
    table.stream().filter(Setting::isSecret).filter(s -> !String.valueOf(values.get(s)).isEmpty())
      .forEach(s -> json.put(s.key(), "***"));
    return json.encode();
  }
}
