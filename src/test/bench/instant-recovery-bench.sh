#!/bin/sh
# Time from request to a guest agent that answers, for the real Linux test guest with 8 GiB of data:
# (a) instant recovery (the VM runs from the restore point's files at once) against (b) a full restore
# as a new VM followed by its boot.
#
#   src/test/bench/instant-recovery-bench.sh [parent of its work dir, default /tmp] [runs, default 3] [GiB, default 8]
#
# Boots the tests' Linux guest (src/test/guest/build-linux-guest.sh, cached under target/linux-guest) with a
# second, data disk of GiB fully written, under TCG, and registers it with the packaged server on a QEMU host;
# backs it up once (pause mode), then quits it so only the VM being measured runs. Each run times, from the
# POST to the first `guest-ping` that the new VM's qemu-guest-agent answers, an instant recovery (then
# discarded) and a restore as a new VM with startAfter (then deleted), alternating which goes first. As root
# the page cache is dropped before each. Needs qemu-system-x86, qemu-utils, curl, jq, python3 and about
# 3 x GiB free. Not part of `mvn test`; SKIP_BUILD=1 reuses target/quarkus-app.
set -eu
cd "$(dirname "$0")/../../.."
parent=${1:-/tmp}
runs=${2:-3}
gib=${3:-8}

jar=target/quarkus-app/quarkus-run.jar
[ "${SKIP_BUILD:-0}" = 1 ] || ./mvnw -B -q -DskipTests package
image=$(ls target/linux-guest/*/linux-guest.qcow2 2>/dev/null | head -1 || true)
if [ -z "$image" ]; then
  mkdir -p target/linux-guest/bench
  bash src/test/guest/build-linux-guest.sh target/linux-guest/bench >target/linux-guest/bench/build.log 2>&1
  image=target/linux-guest/bench/linux-guest.qcow2
fi
work=$(mktemp -d "$parent/stillpoint-instant-bench.XXXXXX")
port=$((20000 + $$ % 20000))
api="http://127.0.0.1:$port/api"
password=bench-admin-password-1
server_pid=
cleanup() {
  set +e
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; fi
  for pid in "$work"/qemu.pid "$work"/host/run/*/qemu.pid; do
    [ -f "$pid" ] && kill "$(cat "$pid")" 2>/dev/null
  done
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
    sleep 0.1
  done
}
agent_answers() { # socket: one guest-ping, within a second
  python3 - "$1" <<'EOF'
import json, socket, sys
try:
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(1)
    s.connect(sys.argv[1])
    s.sendall(b'{"execute": "guest-ping"}\n')
    sys.exit(0 if "return" in json.loads(s.makefile().readline()) else 1)
except Exception:
    sys.exit(1)
EOF
}
await_agent() { # socket
  until agent_answers "$1"; do sleep 0.1; done
}
cold() {
  sync
  if [ -w /proc/sys/vm/drop_caches ]; then echo 3 > /proc/sys/vm/drop_caches; fi
}
now() { date +%s.%N; }

echo "guest: $image, with a ${gib} GiB data disk fully written"
mkdir -p "$work/vm"
cp "$image" "$work/vm/disk0.qcow2"
qemu-img create -q -f qcow2 "$work/vm/disk1.qcow2" "${gib}G"
offset=0
while [ $offset -lt $((gib * 1024)) ]; do
  qemu-io -f qcow2 -c "write -P $((0x40 + offset / 512 % 64)) ${offset}M 512M" "$work/vm/disk1.qcow2" >/dev/null
  offset=$((offset + 512))
done
qemu-system-x86_64 -name bench -machine q35,accel=tcg -m 256 -display none -nodefaults -no-user-config \
  -daemonize -pidfile "$work/qemu.pid" -qmp "unix:$work/qmp.sock,server=on,wait=off" \
  -blockdev "{\"driver\":\"file\",\"node-name\":\"vd0-file\",\"filename\":\"$work/vm/disk0.qcow2\"}" \
  -blockdev '{"driver":"qcow2","node-name":"vd0","file":"vd0-file"}' -device virtio-blk-pci,drive=vd0,id=vd0 \
  -blockdev "{\"driver\":\"file\",\"node-name\":\"vd1-file\",\"filename\":\"$work/vm/disk1.qcow2\"}" \
  -blockdev '{"driver":"qcow2","node-name":"vd1","file":"vd1-file"}' -device virtio-blk-pci,drive=vd1,id=vd1 \
  -chardev "file,id=console0,path=$work/console.log,append=on" -serial chardev:console0 \
  -chardev "socket,id=qga0,path=$work/qga.sock,server=on,wait=off" \
  -device virtio-serial-pci,id=vserial0 -device virtserialport,chardev=qga0,name=org.qemu.guest_agent.0
await_agent "$work/qga.sock"

echo "server: $jar on port $port, STILLPOINT_HOME=$work/home"
env -u QUARKUS_DATASOURCE_JDBC_URL STILLPOINT_HOME="$work/home" STILLPOINT_ADMIN_PASSWORD=$password \
  java -Dquarkus.http.port=$port -jar "$jar" >"$work/server.log" 2>&1 &
server_pid=$!
until curl -sf "http://127.0.0.1:$port/q/health/ready" >/dev/null; do
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log"; exit 1; }
  sleep 0.5
done

host=$(call POST /hosts "{\"name\": \"bench\", \"type\": \"qemu\", \"settings\": {\"root\": \"$work/host\"}}" | jq -r .id)
vm=$(call POST "/hosts/$host/vms" "{\"qmpSocket\": \"$work/qmp.sock\", \"guestAgentSocket\": \"$work/qga.sock\"}" | jq -r .id)
repo=$(call POST /repositories "{\"name\": \"bench\", \"path\": \"$work/repo\"}" | jq -r .id)
run=$(call POST "/vms/$vm/backup" "{\"mode\": \"pause\", \"repositoryId\": \"$repo\"}" | jq -r .id)
run=$(await runs "$run")
[ "$(echo "$run" | jq -r .status)" = SUCCEEDED ] || { echo "backup failed: $run"; exit 1; }
point=$(echo "$run" | jq -r .restorePointId)
echo "restore point $point: $(du -sm "$work/repo/$vm/$point/files" | cut -f1) MiB of data"
kill "$(cat "$work/qemu.pid")"
[ -w /proc/sys/vm/drop_caches ] && echo "cold runs: page cache dropped before each" \
  || echo "WARM runs: /proc/sys/vm/drop_caches is not writable"

instant_once() { # run number -> seconds to the agent
  cold
  start=$(now)
  id=$(call POST "/restore-points/$point/instant-recovery" "{\"name\": \"ir$1\"}" | jq -r .id)
  await_agent "$work/host/run/ir$1/qga.sock"
  end=$(now)
  call DELETE "/instant-recoveries/$id" >/dev/null
  echo "$end - $start" | bc -l
}
restore_once() { # run number -> seconds to the agent
  cold
  start=$(now)
  id=$(call POST "/restore-points/$point/restore" "{\"target\": \"new-vm\", \"name\": \"full$1\", \"startAfter\": true}" | jq -r .id)
  done=$(await restores "$id")
  [ "$(echo "$done" | jq -r .status)" = SUCCEEDED ] || { echo "restore failed: $done" >&2; exit 1; }
  await_agent "$work/host/run/full$1/qga.sock"
  end=$(now)
  kill "$(cat "$work/host/run/full$1/qemu.pid")"
  rm -rf "$work/host/vms/full$1"
  echo "$end - $start" | bc -l
}

: >"$work/instant.s"
: >"$work/restore.s"
i=1
while [ $i -le "$runs" ]; do
  if [ $((i % 2)) -eq 1 ]; then
    a=$(instant_once $i); b=$(restore_once $i)
  else
    b=$(restore_once $i); a=$(instant_once $i)
  fi
  printf '  run %d  instant recovery %6.2f s   restore as new VM + boot %7.2f s\n' "$i" "$a" "$b"
  echo "$a" >>"$work/instant.s"
  echo "$b" >>"$work/restore.s"
  i=$((i + 1))
done
median() { sort -n "$1" | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
a=$(median "$work/instant.s")
b=$(median "$work/restore.s")
printf '\nmedian, request to guest agent answering: instant recovery %.2f s; restore as new VM + boot %.2f s; instant recovery is %.1fx faster (target >= 10x)\n' \
  "$a" "$b" "$(echo "$b / $a" | bc -l)"
