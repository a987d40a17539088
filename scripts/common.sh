# Sourced by the scripts of this folder (run from the project's root): what they share.

# The JVM flags Hazelcast runs best with (the tests use the same, pom.xml's hazelcast.jvm.args).
HZ_ARGS="--add-modules java.se --add-exports java.base/jdk.internal.ref=ALL-UNNAMED --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED --add-opens java.management/sun.management=ALL-UNNAMED --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED"

# fat_jar MODULE: prints the runnable jar of MODULE (server or loadtest), after building every module
# (mvn install -DskipTests) when the jar is missing or older than any source, pom or config file.
fat_jar() {
  local module="$1" jar
  jar="$(ls "$module"/target/signalhub-"$module"-*-fat.jar 2>/dev/null | head -n 1 || true)"
  if [ -z "$jar" ] || [ -n "$(find pom.xml verticles hub server loadtest config -path '*/target' -prune -o \
      \( -name pom.xml -o -path '*/src/main/*' -o -path 'config/*' \) -newer "$jar" -print -quit)" ]; then
    echo "building signalhub (mvn install -DskipTests)..." >&2
    # shellcheck disable=SC2086
    mvn -B -q ${MAVEN_ARGS:-} install -DskipTests >&2
    jar="$(ls "$module"/target/signalhub-"$module"-*-fat.jar | head -n 1)"
  fi
  echo "$jar"
}

# wait_for FILE PATTERN SECONDS: until FILE has a line matching PATTERN (grep); exits 1, with FILE's tail, after SECONDS.
wait_for() {
  local deadline=$((SECONDS + $3))
  until grep -q "$2" "$1" 2>/dev/null; do
    if [ $SECONDS -ge $deadline ]; then echo "timed out waiting for '$2' in $1:" >&2; tail -n 20 "$1" >&2; exit 1; fi
    sleep 0.2
  done
}

# cpu_ticks: the CPU time, in clock ticks, of the processes in the caller's PIDS array.
cpu_ticks() {
  local t=0 pid
  for pid in "${PIDS[@]}"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0))); done
  echo "$t"
}

# wait_idle: until the processes in PIDS use under 5 % of a core for 2 s (the last run's clean-up done), 120 s at most.
wait_idle() {
  local deadline=$((SECONDS + 120)) a b
  while [ $SECONDS -lt $deadline ]; do
    a=$(cpu_ticks); sleep 2; b=$(cpu_ticks)
    [ $((b - a)) -gt 10 ] || return 0
  done
  echo "(the servers are still busy after 120 s)"
}
