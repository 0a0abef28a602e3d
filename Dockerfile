# syntax=docker/dockerfile:1
# Build: docker build -t switchboard .
# Run:   docker run -p 8080:8080 -e SWITCHBOARD_API_KEY=<client key, 8+ chars> -e OPENAI_API_KEY=sk-... switchboard
#        Without a client key the gateway is open and listens on the container's loopback only (unreachable through
#        -p): set SWITCHBOARD_API_KEY, or accept an open gateway with -e SWITCHBOARD_ALLOW_OPEN=true.
#        (mount your own config with -v $PWD/conf:/app/conf)
#        Arguments pass through to the jar: docker run -p 8080:8080 switchboard --demo --host 0.0.0.0
#        docker run switchboard -c /app/conf/other.yaml    docker run switchboard migrate-ledger --from /app/data --to ...
#        Several instances on PostgreSQL and Redis: deploy/compose.yaml, deploy/k8s/.

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
RUN mvn -B -ntp -q dependency:go-offline
COPY src ./src
# conf/switchboard.yaml also goes into the jar, as the config used when no file is found.
COPY conf ./conf
RUN mvn -B -ntp -q -DskipTests package

FROM eclipse-temurin:17-jre
RUN useradd --system --uid 10001 --home-dir /app switchboard \
    && mkdir -p /app/data && chown switchboard /app/data
WORKDIR /app
COPY --from=build /src/target/switchboard.jar /app/switchboard.jar
COPY conf /app/conf
USER switchboard
EXPOSE 8080
# The usage ledger (spend, budgets, keys created through the admin API): keep it across container restarts.
VOLUME /app/data
ENV JAVA_OPTS="-XX:+UseG1GC -XX:MaxRAMPercentage=75"
# No curl in the JRE image: bash's /dev/tcp is enough for a liveness probe.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD bash -c 'exec 3<>/dev/tcp/127.0.0.1/8080 && printf "GET /health HTTP/1.0\r\n\r\n" >&3 && head -1 <&3 | grep -q " 200 "'
# exec so the JVM is PID 1 and receives SIGTERM for the graceful shutdown. Every client connection is a file
# descriptor (server.max_connections, default 10000): the soft limit (often 1024) is raised to the hard one, which
# `docker run --ulimit nofile=65536:65536` (or the orchestrator's equivalent) sets.
# The container's arguments follow the jar ("$@"); without -c the jar takes $SWITCHBOARD_CONFIG, else
# /app/conf/switchboard.yaml (the working directory's conf/).
ENTRYPOINT ["bash", "-c", "ulimit -n \"$(ulimit -Hn)\" 2>/dev/null; exec java $JAVA_OPTS -jar /app/switchboard.jar \"$@\"", "switchboard"]
