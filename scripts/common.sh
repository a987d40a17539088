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
