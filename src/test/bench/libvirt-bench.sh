#!/bin/sh
# The libvirt host beside the qemu host on the same disk contents, through the packaged server: a libvirt
# domain and a QEMU guest, each with an 8 GiB qcow2 disk holding the same 4 GiB, backed up in pause mode to
# a repository on loop-mounted XFS (reflink=1): the full backup, one after 64 MiB written at the same four
# offsets, one with no writes, then the downtime of five more after a warm-up (LibvirtBench).
#
#   sudo src/test/bench/libvirt-bench.sh [parent of its work dir, default /var/tmp]
#
# As root (it mounts a file system and talks to qemu:///system). Needs libvirt-daemon-system,
# qemu-system-x86, qemu-utils, xfsprogs, about 40 GiB free in the parent (which libvirt's QEMU must be able
# to read: not /tmp under systemd's PrivateTmp) and a few minutes. Starts virtlogd and libvirtd if they do
# not run. Everything it made is removed at the end, also when it fails.
set -eu
cd "$(dirname "$0")/../../.."
parent=${1:-/var/tmp}
pgrep -x virtlogd > /dev/null || virtlogd -d
pgrep -x libvirtd > /dev/null || libvirtd -d
./mvnw -B -q -DskipTests package
./mvnw -B -q dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath

work=$(mktemp -d "$parent/stillpoint-libvirt-fs-XXXXXX")
cleanup() {
  if mountpoint -q "$work/xfs"; then umount "$work/xfs"; fi
  if [ -s "$work/xfs.loop" ]; then losetup -d "$(cat "$work/xfs.loop")" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM
truncate -s 24G "$work/xfs.img"
losetup --find --show "$work/xfs.img" > "$work/xfs.loop"
mkfs.xfs -q -m reflink=1 "$(cat "$work/xfs.loop")"
mkdir "$work/xfs"
mount "$(cat "$work/xfs.loop")" "$work/xfs"

java -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" \
  io.stillpoint.bench.LibvirtBench "$parent" "$work/xfs"
