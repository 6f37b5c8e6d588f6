#!/bin/sh
# Copy benchmark: Stillpoint's TreeCopier vs cp -a --sparse=always vs rsync -aHAX -S.
#
#   src/test/bench/copy-bench.sh [DIR] [RUNS]     (defaults: /tmp/stillpoint-bench 5)
#
# Builds a ~2.6 GiB source tree under DIR once (2 GiB dense file, 8 GiB sparse file with 512 MiB
# of data, 2,000 small files) and needs about as much again for the copy: check `df -h DIR` first.
# Run as root so the page cache can be dropped before each run; otherwise runs are warm and the
# output says so. Takes a few minutes. Not part of `mvn test`.
set -eu
cd "$(dirname "$0")/../../.."
./mvnw -B -q test-compile
classpath=$(./mvnw -B -q dependency:build-classpath -Dmdep.outputFile=/dev/stdout -Dmdep.includeScope=test)
exec java -cp "target/test-classes:target/classes:$classpath" io.stillpoint.copy.CopyBenchmark "$@"
