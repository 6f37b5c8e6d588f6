#!/bin/sh
# Guest files: time to the first listing of a restore point's guest files (cold: the appliance starts;
# warm: it runs), and the throughput of a 1 GiB single-file download through the server beside
# `guestfish --remote download` of the same file from an appliance of its own, in the same runs.
#
#   src/test/bench/guest-files-bench.sh [parent of its work dir, default /tmp] [runs, default 3]
#
# Builds a 4 GiB disk (GPT, one ext4 holding /big.bin, 1 GiB of random bytes) without loop mounts,
# starts a QEMU guest on it, the packaged server on its embedded defaults with a QEMU host, backs the
# guest up once (pause mode), then measures. The appliances run under TCG (force_tcg), as on the test
# machines. Needs libguestfs-tools, libguestfs-java, qemu-system-x86, qemu-utils, e2fsprogs, fdisk, curl,
# jq and about 7 GiB free. Not part of `mvn test`.
set -eu
cd "$(dirname "$0")/../../.."
parent=${1:-/tmp}
runs=${2:-3}

jar=target/quarkus-app/quarkus-run.jar
./mvnw -B -q -DskipTests package
work=$(mktemp -d "$parent/stillpoint-guest-files-bench.XXXXXX")
chmod 755 "$work"
port=$((20000 + $$ % 20000))
api="http://127.0.0.1:$port/api"
password=bench-admin-password-1
server_pid=
cleanup() {
  set +e
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; fi
  if [ -f "$work/qemu.pid" ]; then kill "$(cat "$work/qemu.pid")" 2>/dev/null; fi
  if [ -n "${GUESTFISH_PID:-}" ]; then guestfish --remote exit 2>/dev/null; fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM
export LIBGUESTFS_BACKEND=direct LIBGUESTFS_BACKEND_SETTINGS=force_tcg

call() { # method path [json body]
  if [ $# -ge 3 ]; then
    curl -sf -u "admin:$password" -X "$1" -H 'Content-Type: application/json' -d "$3" "$api$2"
  else
    curl -sf -u "admin:$password" -X "$1" "$api$2"
  fi
}
await() { # collection id -> prints the finished object
  while :; do
    body=$(call GET "/$1/$2")
    case $(echo "$body" | jq -r .status) in SUCCEEDED|FAILED|CANCELLED) echo "$body"; return ;; esac
    sleep 0.2
  done
}
now() { date +%s.%N; }
first_listing() { # -> seconds until the listing answered 200 (through the 202s of a starting appliance)
  start=$(now)
  while :; do
    code=$(curl -s -o /dev/null -w '%{http_code}' -u "admin:$password" "$api/restore-points/$point/guest/files?fs=/dev/sda1&path=/")
    [ "$code" = 200 ] && break
    [ "$code" = 202 ] || { echo "listing answered $code" >&2; exit 1; }
    sleep 0.2
  done
  echo "$(now) - $start" | bc -l
}

echo "disk: 4 GiB, GPT, ext4 with /big.bin (1 GiB of random bytes)"
mkdir -p "$work/tree" "$work/vm"
head -c 1G /dev/urandom >"$work/tree/big.bin"
mkfs.ext4 -q -F -d "$work/tree" "$work/fs.img" 4000M
rm -f "$work/tree/big.bin"
truncate -s 4G "$work/disk.raw"
printf 'label: gpt\nstart=2048, size=%d, type=L\n' $((4000 * 2048)) | sfdisk -q "$work/disk.raw"
dd if="$work/fs.img" of="$work/disk.raw" bs=1M seek=1 conv=notrunc,sparse status=none
rm -f "$work/fs.img"
qemu-img convert -f raw -O qcow2 "$work/disk.raw" "$work/vm/disk0.qcow2"
rm -f "$work/disk.raw"
qemu-system-x86_64 -name bench -machine q35,accel=kvm:tcg -m 128 -display none -nodefaults -no-user-config \
  -daemonize -pidfile "$work/qemu.pid" -qmp "unix:$work/qmp.sock,server=on,wait=off" \
  -blockdev "{\"driver\":\"file\",\"node-name\":\"vd0-file\",\"filename\":\"$work/vm/disk0.qcow2\"}" \
  -blockdev '{"driver":"qcow2","node-name":"vd0","file":"vd0-file"}' -device virtio-blk-pci,drive=vd0,id=vd0

echo "server: $jar on port $port, STILLPOINT_HOME=$work/home, idle appliances stop after 2 s"
env -u QUARKUS_DATASOURCE_JDBC_URL STILLPOINT_HOME="$work/home" STILLPOINT_ADMIN_PASSWORD=$password \
  java -Dquarkus.http.port=$port -Dstillpoint.guest-files.idle=PT2S -jar "$jar" >"$work/server.log" 2>&1 &
server_pid=$!
until curl -sf "http://127.0.0.1:$port/q/health/ready" >/dev/null; do
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log"; exit 1; }
  sleep 0.5
done
host=$(call POST /hosts '{"name": "bench", "type": "qemu"}' | jq -r .id)
vm=$(call POST "/hosts/$host/vms" "{\"qmpSocket\": \"$work/qmp.sock\"}" | jq -r .id)
repo=$(call POST /repositories "{\"name\": \"bench\", \"path\": \"$work/repo\"}" | jq -r .id)
run=$(call POST "/vms/$vm/backup" "{\"mode\": \"pause\", \"repositoryId\": \"$repo\"}" | jq -r .id)
run=$(await runs "$run")
[ "$(echo "$run" | jq -r .status)" = SUCCEEDED ] || { echo "backup failed: $run"; exit 1; }
point=$(echo "$run" | jq -r .restorePointId)
disk="$work/repo/$vm/$point/files/disk0.qcow2"
echo "restore point $point"

: >"$work/cold.s"; : >"$work/warm.s"; : >"$work/server.s"; : >"$work/guestfish.s"
i=1
while [ $i -le "$runs" ]; do
  # cold: the previous run's appliance has stopped (idle 2 s)
  until [ "$(call GET "/restore-points/$point/guest/status" | jq -r .status)" = stopped ]; do sleep 0.5; done
  c=$(first_listing); w=$(first_listing)
  start=$(now)
  bytes=$(curl -sf -u "admin:$password" -o /dev/null -w '%{size_download}' \
    "$api/restore-points/$point/guest/file?fs=/dev/sda1&path=/big.bin")
  s=$(echo "$(now) - $start" | bc -l)
  [ "$bytes" = 1073741824 ] || { echo "server download gave $bytes bytes"; exit 1; }
  if [ -z "${GUESTFISH_PID:-}" ]; then
    eval "$(guestfish --listen --ro --format=qcow2 -a "$disk")"
    guestfish --remote run
    guestfish --remote mount-ro /dev/sda1 /
  fi
  start=$(now)
  guestfish --remote download /big.bin /dev/null
  g=$(echo "$(now) - $start" | bc -l)
  printf '  run %d  first listing cold %6.2f s  warm %5.3f s   1 GiB: server %6.2f s  guestfish %6.2f s\n' \
    "$i" "$c" "$w" "$s" "$g"
  echo "$c" >>"$work/cold.s"; echo "$w" >>"$work/warm.s"; echo "$s" >>"$work/server.s"; echo "$g" >>"$work/guestfish.s"
  i=$((i + 1))
done
median() { sort -n "$1" | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
c=$(median "$work/cold.s"); w=$(median "$work/warm.s"); s=$(median "$work/server.s"); g=$(median "$work/guestfish.s")
printf '\nmedian: first listing cold %.2f s, warm %.3f s; 1 GiB download: server %.2f s = %.0f MiB/s,' "$c" "$w" "$s" "$(echo "1024 / $s" | bc -l)"
printf ' guestfish download %.2f s = %.0f MiB/s; server throughput = %.2fx guestfish\n' "$g" "$(echo "1024 / $g" | bc -l)" "$(echo "$g / $s" | bc -l)"
