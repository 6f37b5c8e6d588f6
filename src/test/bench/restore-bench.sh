#!/bin/sh
# Restore throughput through the packaged server, beside `cp -a --sparse=always` of the same restore
# point's files in the same runs.
#
#   src/test/bench/restore-bench.sh [parent of its work dir, default /tmp] [runs, default 5] [GiB, default 8]
#
# Starts a QEMU guest whose qcow2 disk (GiB virtual) is half written, the server on its embedded
# defaults with a QEMU host, backs the guest up once (pause mode) and then, RUNS times, restores that
# restore point to a path over REST and copies its files with cp, alternating which goes first. Each
# restore is timed by the server (startedAt to finishedAt: copy, checksum check against the manifest,
# fsync, rename into place); each cp includes a final sync. Run as root so the page cache is dropped
# before each; otherwise the runs are warm and the output says so. Needs qemu-system-x86, qemu-utils,
# curl and jq, and about 2.5 x GiB free. Not part of `mvn test`.
set -eu
cd "$(dirname "$0")/../../.."
parent=${1:-/tmp}
runs=${2:-5}
gib=${3:-8}

jar=target/quarkus-app/quarkus-run.jar
./mvnw -B -q -DskipTests package
work=$(mktemp -d "$parent/stillpoint-restore-bench.XXXXXX")
port=$((20000 + $$ % 20000))
api="http://127.0.0.1:$port/api"
password=bench-admin-password-1
server_pid=
cleanup() {
  set +e
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; fi
  if [ -f "$work/qemu.pid" ]; then kill "$(cat "$work/qemu.pid")" 2>/dev/null; fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

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
cold() {
  sync
  if [ -w /proc/sys/vm/drop_caches ]; then echo 3 > /proc/sys/vm/drop_caches; fi
}
seconds_between() { # two ISO instants
  python3 -c "import sys,datetime as d; f=lambda s: d.datetime.fromisoformat(s.replace('Z','+00:00')); print((f(sys.argv[2])-f(sys.argv[1])).total_seconds())" "$1" "$2"
}

echo "guest: ${gib} GiB qcow2, half written"
mkdir -p "$work/vm"
qemu-img create -q -f qcow2 "$work/vm/disk0.qcow2" "${gib}G"
half=$((gib * 512))
step=256
offset=0
while [ $offset -lt $half ]; do
  qemu-io -f qcow2 -c "write -P $((0x40 + offset / step % 64)) ${offset}M ${step}M" "$work/vm/disk0.qcow2" >/dev/null
  offset=$((offset + step))
done
qemu-system-x86_64 -name bench -machine q35,accel=kvm:tcg -m 128 -display none -nodefaults -no-user-config \
  -daemonize -pidfile "$work/qemu.pid" -qmp "unix:$work/qmp.sock,server=on,wait=off" \
  -blockdev "{\"driver\":\"file\",\"node-name\":\"vd0-file\",\"filename\":\"$work/vm/disk0.qcow2\"}" \
  -blockdev '{"driver":"qcow2","node-name":"vd0","file":"vd0-file"}' -device virtio-blk-pci,drive=vd0,id=vd0

echo "server: $jar on port $port, STILLPOINT_HOME=$work/home"
env -u QUARKUS_DATASOURCE_JDBC_URL STILLPOINT_HOME="$work/home" STILLPOINT_ADMIN_PASSWORD=$password \
  java -Dquarkus.http.port=$port -Dquarkus.http.ssl-port=$((port + 20000)) -jar "$jar" >"$work/server.log" 2>&1 &
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
files="$work/repo/$vm/$point/files"
data=$(du -sm "$files" | cut -f1)
echo "restore point $point: $(du -sh --apparent-size "$files" | cut -f1) logical, ${data} MiB allocated"
[ -w /proc/sys/vm/drop_caches ] && echo "cold runs: page cache dropped before each" \
  || echo "WARM runs: /proc/sys/vm/drop_caches is not writable"

restores=$work/home/restores
restore_once() {
  cold
  id=$(call POST "/restore-points/$point/restore" "{\"target\": \"path\", \"path\": \"$restores/r$1\"}" | jq -r .id)
  done=$(await restores "$id")
  [ "$(echo "$done" | jq -r .status)" = SUCCEEDED ] || { echo "restore failed: $done" >&2; exit 1; }
  seconds_between "$(echo "$done" | jq -r .startedAt)" "$(echo "$done" | jq -r .finishedAt)"
  rm -rf "$restores/r$1"
}
cp_once() {
  cold
  start=$(date +%s.%N)
  cp -a --sparse=always "$files" "$work/cp$1"
  sync
  end=$(date +%s.%N)
  echo "$end - $start" | bc -l
  rm -rf "$work/cp$1"
}

restore_once warmup >/dev/null
cp_once warmup >/dev/null
: >"$work/restore.s"
: >"$work/cp.s"
i=1
while [ $i -le "$runs" ]; do
  if [ $((i % 2)) -eq 1 ]; then
    r=$(restore_once $i); c=$(cp_once $i)
  else
    c=$(cp_once $i); r=$(restore_once $i)
  fi
  printf '  run %d  restore %6.2f s   cp %6.2f s\n' "$i" "$r" "$c"
  echo "$r" >>"$work/restore.s"
  echo "$c" >>"$work/cp.s"
  i=$((i + 1))
done
median() { sort -n "$1" | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
r=$(median "$work/restore.s")
c=$(median "$work/cp.s")
printf '\nmedian: restore %.2f s = %.0f MiB/s; cp -a --sparse=always %.2f s = %.0f MiB/s; restore throughput = %.2fx cp\n' \
  "$r" "$(echo "$data / $r" | bc -l)" "$c" "$(echo "$data / $c" | bc -l)" "$(echo "$c / $r" | bc -l)"
