#!/usr/bin/env bash
# The dostorage benchmark: builds the packaged plugin and the image's Java runtime on this machine, runs
# the shipped runtime and the reference (Java 17, fast-jar, AppCDS) side by side against the standalone
# DigitalOcean emulator and prints one Markdown table. No root needed (MOUNTER=folder). See README "Benchmark".
#   bench/run.sh [--no-build] [--json FILE] [--action-delay MS] [--starts N] [--seconds S] [--idle-seconds S]
#                [--flags "shipped JVM flags instead of config.json's"] [--env K=V]... [--shipped-env K=V]...
#                [--idle-rss-seconds S] [--only startup] [--keep]
# JDK25_HOME: the JDK 25 that jlink makes the shipped runtime from (default: the machine's Temurin 25);
# REFERENCE_JAVA_HOME: the Java 17 of the reference row (default: JAVA_HOME, else the default java's).
set -euo pipefail
cd "$(dirname "$0")/.."
JDK25_HOME=${JDK25_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
REFERENCE_JAVA_HOME=${REFERENCE_JAVA_HOME:-${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}}
[ -x "$JDK25_HOME/bin/jlink" ] || { echo "bench: no JDK 25 at $JDK25_HOME (set JDK25_HOME): the shipped row's runtime is jlink'd from it" >&2; exit 1; }
"$REFERENCE_JAVA_HOME/bin/java" -version 2>&1 | grep -q 'version "17\.' \
  || { echo "bench: $REFERENCE_JAVA_HOME is not a Java 17 (set REFERENCE_JAVA_HOME): the reference row is the Java 17 runtime" >&2; exit 1; }
if [[ "${1:-}" == "--no-build" ]]; then
  shift
else
  JAVA_HOME=$REFERENCE_JAVA_HOME ./mvnw -B -ntp -q package -DskipTests >&2
fi
# The image's runtime, made by the image's script from this machine's JDK 25 (kept while the script is unchanged).
if [ ! -x target/java-runtime/bin/java ] || [ src/main/docker/jlink.sh -nt target/java-runtime/release ] \
   || [ "$JDK25_HOME/release" -nt target/java-runtime/release ]; then
  sh src/main/docker/jlink.sh "$JDK25_HOME" target/java-runtime >&2
fi
# sqlite-jdbc's native library where config.json's entry point loads it from (/opt/dostorage/native in
# the image, target/quarkus-aot/native here), made by the image's script.
sqlite_jar=$(ls target/quarkus-aot/lib/main/org.xerial.sqlite-jdbc-*.jar)
if [ ! -s target/quarkus-aot/native/libsqlitejdbc.so ] || [ "$sqlite_jar" -nt target/quarkus-aot/native/libsqlitejdbc.so ]; then
  sh src/main/docker/sqlite-native.sh "$JDK25_HOME" "$sqlite_jar" target/quarkus-aot/native >&2
fi
# The state file a new node starts from, made by Flyway as the image makes it (config.json's entry point
# names it; the reference row gets it too, so that both rows' fresh starts copy it).
if [ ! -s target/quarkus-aot/state-template.db ] || [ target/quarkus-aot/quarkus-run.jar -nt target/quarkus-aot/state-template.db ]; then
  rm -f target/quarkus-aot/state-template.db
  "$JDK25_HOME/bin/java" -Dorg.sqlite.lib.path=target/quarkus-aot/native -Dorg.sqlite.lib.name=libsqlitejdbc.so \
    -cp target/quarkus-aot/quarkus-run.jar io.dostorage.state.StateTemplate target/quarkus-aot/state-template.db >&2
fi
# The jars' resources stored, not deflated, as the image's JDK stage stores them (a no-op once done).
"$JDK25_HOME/bin/java" src/main/docker/StoreResources.java target/quarkus-aot >&2
exec "$REFERENCE_JAVA_HOME/bin/java" bench/Bench.java --shipped-java target/java-runtime/bin/java \
  --reference-java "$REFERENCE_JAVA_HOME/bin/java" "$@"
