# signalhub container image. Not built or run by this project's CI: these machines have no container
# engine and no registry for base images (see README.md, "Runnable jar and container image"). Build it where you have one:
#
#   mvn -B package -DskipTests
#   docker build -t signalhub:0.1.0 .
#   docker run --rm -p 8080:8080 -e HUB_HOST=0.0.0.0 -e HUB_CLUSTERED=false signalhub:0.1.0
#
# The official Eclipse Temurin JRE image (Java 17, the project's release level).
FROM eclipse-temurin:17-jre

RUN useradd --system --uid 10001 --home /app signalhub
WORKDIR /app
COPY server/target/signalhub-server-*-fat.jar /app/signalhub.jar
COPY config/ /app/config/

USER 10001
EXPOSE 8080 5701
# Listen on every interface inside the container; the cluster settings come from the environment
# (HUB_CLUSTER_CONFIG, HUB_CLUSTER_HOST), see config/kubernetes/signalhub.yaml.
ENV HUB_HOST=0.0.0.0 \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 --add-modules java.se --add-exports java.base/jdk.internal.ref=ALL-UNNAMED --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED --add-opens java.management/sun.management=ALL-UNNAMED --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED"
HEALTHCHECK --interval=10s --timeout=3s CMD ["sh", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080"]
ENTRYPOINT ["java", "-jar", "/app/signalhub.jar"]
