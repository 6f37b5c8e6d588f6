#!/bin/sh
# Guest downtime of pause-mode snapshots of a real QEMU guest (1 GiB and 8 GiB qcow2 disk, half
# written; five runs each after a warm-up), and the snapshot view's copy throughput against
# `qemu-img convert` and `cp --sparse=always` of the same image in the same runs.
#
#   src/test/bench/qemu-downtime.sh [parent of its work dir, default /tmp] [runs, default 5]
#
# Works in a fresh stillpoint-qemu-bench-* folder it removes at the end. Needs qemu-system-x86 and
# qemu-utils, about 14 GiB free there, and a few minutes.
set -eu
cd "$(dirname "$0")/../../.."
./mvnw -B -q test-compile
./mvnw -B -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath
exec java -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" \
  io.stillpoint.bench.QemuDowntimeBench "$@"
