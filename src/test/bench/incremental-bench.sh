#!/bin/sh
# What incremental backups cost through the packaged server: a real QEMU guest (8 GiB qcow2 disk, 4 GiB
# of data) backed up in pause mode to a repository on loop-mounted XFS (reflink=1) and on ext4: the full
# backup, one after 64 MiB written at four random offsets, one with no writes (IncrementalBench).
#
#   sudo src/test/bench/incremental-bench.sh [parent of its work dir, default /tmp]
#
# As root (it mounts file systems). Needs qemu-system-x86, qemu-utils, xfsprogs, about 30 GiB free in
# the parent and a few minutes. Everything it made (file system images, mounts, loop devices, the guest,
# the server's home) is removed at the end, also when it fails.
set -eu
cd "$(dirname "$0")/../../.."
parent=${1:-/tmp}
./mvnw -B -q -DskipTests package
./mvnw -B -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath

work=$(mktemp -d "$parent/stillpoint-incr-fs-XXXXXX")
cleanup() {
  for fs in xfs ext4; do
    if mountpoint -q "$work/$fs"; then umount "$work/$fs"; fi
    if [ -s "$work/$fs.loop" ]; then losetup -d "$(cat "$work/$fs.loop")" || true; fi
  done
  rm -rf "$work"
}
trap cleanup EXIT INT TERM
for fs in xfs ext4; do
  truncate -s 24G "$work/$fs.img"
  losetup --find --show "$work/$fs.img" > "$work/$fs.loop"
  if [ "$fs" = xfs ]; then mkfs.xfs -q -m reflink=1 "$(cat "$work/$fs.loop")"; else mkfs.ext4 -q "$(cat "$work/$fs.loop")"; fi
  mkdir "$work/$fs"
  mount "$(cat "$work/$fs.loop")" "$work/$fs"
done

java -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" \
  io.stillpoint.bench.IncrementalBench "$parent" "xfs=$work/xfs" "ext4=$work/ext4"
