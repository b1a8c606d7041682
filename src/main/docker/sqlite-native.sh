#!/bin/sh
# Puts sqlite-jdbc's native library for this machine (glibc Linux, its architecture) in a folder of its
# own, where the plugin's entry point loads it from (-Dorg.sqlite.lib.path=FOLDER
# -Dorg.sqlite.lib.name=libsqlitejdbc.so), and optionally writes the driver's jar without any native
# library (SLIM_JAR).
#
# usage: sqlite-native.sh JDK_HOME SQLITE_JDBC_JAR FOLDER [SLIM_JAR]
#
# Why: without org.sqlite.lib.path the driver, at its first connection, copies the library (1 MiB) out
# of its jar into a temporary file and compares the two byte by byte before loading it: at every start,
# before Flyway's migrations and so before the socket answers. docs/benchmark.md measures it: about
# 100 ms of a 600 ms start on these machines, the JVM still interpreting the copy loop. The jar carries
# the library for 20 systems (11 MiB); the image keeps none of them in it, so a start that could not
# load FOLDER's fails at once ("No native library found") instead of quietly extracting one.
# Dockerfile.jvm runs this in its JDK stage, bench/run.sh for the shipped row (FOLDER only).
set -eu
jdk=${1:?usage: sqlite-native.sh JDK_HOME SQLITE_JDBC_JAR FOLDER [SLIM_JAR]}
jar=${2:?usage: sqlite-native.sh JDK_HOME SQLITE_JDBC_JAR FOLDER [SLIM_JAR]}
out=${3:?usage: sqlite-native.sh JDK_HOME SQLITE_JDBC_JAR FOLDER [SLIM_JAR]}
slim=${4:-}
jar=$(cd "$(dirname "$jar")" && pwd)/$(basename "$jar")
mkdir -p "$out"
out=$(cd "$out" && pwd)
case "$slim" in "" | /*) ;; *) slim=$(pwd)/$slim ;; esac
# sqlite-jdbc's own names for the architectures (OSInfo): x86_64 and aarch64 are uname -m's too.
entry=org/sqlite/native/Linux/$(uname -m)/libsqlitejdbc.so
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/x"
cd "$work/x"
"$jdk/bin/jar" xf "$jar"
[ -s "$entry" ] || { echo "sqlite-native.sh: $jar has no $entry" >&2; exit 1; }
cp "$entry" "$out/libsqlitejdbc.so"
echo "sqlite-native.sh: $out/libsqlitejdbc.so ($(wc -c <"$out/libsqlitejdbc.so") bytes)"
if [ -n "$slim" ]; then
  rm -rf org/sqlite/native
  mv META-INF/MANIFEST.MF "$work/MANIFEST.MF"
  mkdir -p "$(dirname "$slim")"
  "$jdk/bin/jar" --create --file "$slim" --manifest "$work/MANIFEST.MF" -C . .
  echo "sqlite-native.sh: $slim ($(wc -c <"$slim") bytes, without native libraries; $(wc -c <"$jar") before)"
fi
