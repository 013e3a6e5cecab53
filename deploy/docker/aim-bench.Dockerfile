# Builds aim-bench.jar from the repository root and runs it as a non-root user on a JRE.
#   docker build -f deploy/docker/aim-bench.Dockerfile -t aim-bench:0.1.0 .
FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY . .
RUN ./mvnw -B -q -DskipTests -pl benchmarks -am package

FROM eclipse-temurin:17-jre
RUN groupadd --system --gid 10001 aim && useradd --system --uid 10001 --gid aim --no-create-home aim
COPY --from=build /src/benchmarks/target/aim-bench.jar /opt/aim/aim-bench.jar
USER 10001:10001

ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
ENTRYPOINT ["java", "-jar", "/opt/aim/aim-bench.jar"]
