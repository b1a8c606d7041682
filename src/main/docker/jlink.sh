#!/bin/sh
# Makes the plugin's Java runtime: jlink (JEP 282) of a JDK 25 with only the modules the plugin uses.
#   jlink.sh JDK_HOME OUTPUT_FOLDER
# Dockerfile.jvm runs it in its JDK stage; bench/run.sh on this machine's Temurin 25, so that the
# benchmark's "shipped" row runs the image's runtime.
#
# The modules: what jdeps finds in the packaged jars, less what no code path of the plugin reaches,
# plus what is found through services or by name only:
#   java.base java.logging java.sql java.naming java.management java.xml jdk.unsupported: used directly
#   java.transaction.xa                required by java.sql
#   java.rmi                           the Jakarta Transactions API, which ArC (Quarkus' CDI) depends on:
#                                      some of its exceptions extend java.rmi.RemoteException
#   jdk.naming.dns                     the JNDI DNS provider, which netty's DNS resolver asks for the
#                                      name servers (com.sun.jndi.dns.DnsContextFactory)
#   jdk.httpserver                     the DigitalOcean emulator that the AOT cache's training start talks to
#                                      (src/main/docker/aot-cache.sh)
# Left out: java.desktop (only java.beans, for optional EL and Jackson's optional annotations), java.compiler
# (Vert.x's code generation at build time), jdk.crypto.ec (empty since JDK 22: EC is in java.base).
# --strip-java-debug-attributes drops the JDK classes' line numbers (not the plugin's): about 6 MiB
# (--strip-debug would also strip native symbols with objcopy, which JDK images lack). --compress=zip-6
# makes lib/modules 21 MiB smaller; the classes a start loads come from the AOT cache, not from there.
set -eu
jdk=${1:?usage: jlink.sh JDK_HOME OUTPUT_FOLDER}
out=${2:?usage: jlink.sh JDK_HOME OUTPUT_FOLDER}
rm -rf "$out"
"$jdk/bin/jlink" --output "$out" --strip-java-debug-attributes --compress=zip-6 --no-man-pages --no-header-files \
  --add-modules java.base,java.logging,java.sql,java.naming,java.management,java.xml,jdk.unsupported,java.transaction.xa,java.rmi,jdk.naming.dns,jdk.httpserver
"$out/bin/java" -version 2>&1 | tail -1
echo "jlink.sh: $out ($(du -sm "$out" | cut -f1) MiB)"
