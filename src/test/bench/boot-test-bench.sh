#!/bin/sh
# The boot test's wall time for the real Linux guest (built from this machine's Debian packages by
# src/test/guest/build-linux-guest.sh, cached under target/linux-guest): the sandbox QEMU as the server
# starts it (throwaway overlay, TCG, no network), from its start until the guest agent answers, for each
# CPU model given, with the medians and the ratio to the first model.
#
#   src/test/bench/boot-test-bench.sh [runs per model, default 3] [CPU models, default max,qemu64]
#
# Works in a fresh /tmp/stillpoint-boot-bench-* folder it removes at the end. Needs qemu-system-x86 and
# qemu-utils, and about a minute per run on a busy 2-core machine.
set -eu
cd "$(dirname "$0")/../../.."
./mvnw -B -q test-compile
./mvnw -B -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath
exec java -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" \
  io.stillpoint.boottest.BootTestBench "$@"
