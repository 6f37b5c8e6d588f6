#!/bin/sh
# The catalog at scale: list and read answers of the packaged server on a catalog holding a million restore
# points and a million runs, beside the time PostgreSQL itself takes for the same SQL in the same run.
#
#   src/test/bench/catalog-scale-bench.sh [VMs, default 200] [points and runs per VM, default 5000]
#
# Creates a fresh database on the machine's PostgreSQL (127.0.0.1:5432, user postgres, or PGHOST/PGPORT/
# PGUSER), starts target/quarkus-app/quarkus-run.jar on it (Flyway makes the schema), makes a simulated host
# with the VMs and a repository through the API, then fills runs and restore points by SQL (generate_series).
# The calls are first made in turns for WARM_SECONDS (default 60; a server runs warm, the JIT needs them), then
# each is timed 30 times on one kept-alive connection, signed in with an API token (HTTP Basic would hash the
# password on every call, as it should, and measure that instead). Last, a job's retention (keepLast) prunes
# a tenth of the points, whose folders exist on disk, and the pass is timed. The database and the work
# folder are dropped at the end. Needs psql, curl, jq and python3. Not part of `mvn test`.
set -eu
cd "$(dirname "$0")/../../.."
vms=${1:-200}
per_vm=${2:-5000}
prune_per_vm=$((per_vm / 10))

. src/test/packaged-server.sh
start_packaged_server catalog_bench
echo "server: target/quarkus-app/quarkus-run.jar on port $port, catalog database $db"
sql() { psql -X -q -t -A -v ON_ERROR_STOP=1 -d "$db" -c "$1"; }

call() { # method path [json body]
  if [ $# -ge 3 ]; then
    curl -sf -H "Authorization: Bearer $token" -X "$1" -H 'Content-Type: application/json' -d "$3" "$api$2"
  else
    curl -sf -H "Authorization: Bearer $token" -X "$1" "$api$2"
  fi
}
mkdir -p "$work/hosts"
# The simulated guests write once a minute, not every 20 ms: 200 guests writing would be a load generator inside
# the server, measured instead of the catalog (a real host's guests write on the host, not in Stillpoint).
host=$(call POST /hosts "{\"name\": \"bench\", \"type\": \"simulated\",
  \"settings\": {\"root\": \"$work/hosts\", \"writeIntervalMillis\": \"60000\"}}" | jq -r .id)
repo=$(call POST /repositories "{\"name\": \"bench\", \"path\": \"$work/repo\"}" | jq -r .id)
i=1
while [ $i -le "$vms" ]; do
  call POST "/hosts/$host/vms" "{\"name\": \"vm$i\", \"diskSizeBytes\": 8388608, \"memoryBytes\": 8388608}" >/dev/null
  i=$((i + 1))
done

echo "filling: $vms VMs x $per_vm runs and restore points by SQL"
start=$(date +%s)
sql "INSERT INTO backup_run (id, vm_id, repository_id, requested_mode, mode, writer, status, phase, consistency, node,
       created_at, started_at, finished_at, downtime_millis, phase_millis, bytes_total, bytes_copied, files_total,
       files_copied, change_tracking, bytes_read, bytes_written, bytes_shared)
     SELECT md5('run' || v.id || i)::uuid, v.id, '$repo', 'auto', 'save-state', 'simulated',
       CASE WHEN i % 50 = 0 THEN 'FAILED' ELSE 'SUCCEEDED' END, 'done', 'saved-state', 'bench',
       now() - i * interval '1 hour', now() - i * interval '1 hour', now() - i * interval '1 hour' + interval '3 minutes',
       180, '{\"prepare\": 20, \"snapshot\": 40, \"copy\": 170000}', 8388608, 8388608, 4, 4, 'differencing',
       65536, 65536, 8323072
     FROM vm v, generate_series(1, $per_vm) i"
sql "INSERT INTO restore_point (id, vm_id, run_id, repository_id, created_at, cataloged_at, mode, consistency, writer,
       relative_path, size_bytes, file_count, manifest_sha256, protected, verified_at, verify_status, verify_problems,
       change_tracking, bytes_written, bytes_shared)
     SELECT md5('point' || v.id || i)::uuid, v.id, md5('run' || v.id || i)::uuid, '$repo', now() - i * interval '1 hour',
       now() - i * interval '1 hour' + interval '3 minutes', 'save-state',
       CASE WHEN i % 3 = 0 THEN 'crash' ELSE 'saved-state' END, 'simulated', v.id || '/' || md5('point' || v.id || i)::uuid,
       8388608, 4, repeat('ab', 32), i % 97 = 0, CASE WHEN i % 5 = 0 THEN now() END,
       CASE WHEN i % 5 = 0 THEN 'OK' END, NULL, 'differencing', 65536, 8323072
     FROM vm v, generate_series(1, $per_vm) i"
sql "ANALYZE"
echo "filled in $(( $(date +%s) - start )) s: $(sql 'SELECT count(*) FROM restore_point') points, $(sql 'SELECT count(*) FROM backup_run') runs"

vm=$(sql "SELECT id FROM vm ORDER BY name LIMIT 1")
point=$(sql "SELECT id FROM restore_point WHERE vm_id = '$vm' ORDER BY created_at DESC, id DESC OFFSET 2500 LIMIT 1")
deep=$(sql "SELECT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') || ',' || id FROM restore_point
            WHERE vm_id = '$vm' ORDER BY created_at DESC, id DESC OFFSET 3999 LIMIT 1")
deep_at=${deep%,*}
deep_id=${deep#*,}

percentiles() { # file of seconds -> "p50 X ms  p99 Y ms" (nearest rank)
  sort -n "$1" | awk '{ v[NR] = $1 } END { p50 = v[int((NR * 50 + 99) / 100)]; p99 = v[int((NR * 99 + 99) / 100)];
    printf "p50 %6.2f ms  p99 %6.2f ms", p50 * 1000, p99 * 1000 }'
}
page="ORDER BY created_at DESC, id DESC LIMIT 101"
# label | path | the list's main SQL, timed alone by psql (empty: none)
cat >"$work/calls" <<CALLS
server's floor: /q/health/live|/q/health/live|
points of one VM, first page|/api/restore-points?vmId=$vm|SELECT * FROM restore_point WHERE vm_id = '$vm' $page
points of one VM, after 4,000|/api/restore-points?vmId=$vm&after=$deep|SELECT * FROM restore_point WHERE vm_id = '$vm' AND created_at <= '$deep_at' AND (created_at < '$deep_at' OR id < '$deep_id') $page
runs of one VM, first page|/api/runs?vmId=$vm|SELECT * FROM backup_run WHERE vm_id = '$vm' $page
all VMs|/api/vms|SELECT v.id, (SELECT max(p.created_at) FROM restore_point p WHERE p.vm_id = v.id) FROM vm v
one point|/api/restore-points/$point|SELECT * FROM restore_point WHERE id = '$point'
dashboard: figures|/api/dashboard|SELECT count(*) FROM vm v WHERE EXISTS (SELECT 1 FROM restore_point p WHERE p.vm_id = v.id AND p.created_at >= now() - interval '1 day')
dashboard: unproven VMs|/api/boot-tests/unproven|
dashboard: runs charted (500)|/api/runs?status=SUCCEEDED&limit=500|SELECT * FROM backup_run WHERE status = 'SUCCEEDED' ORDER BY created_at DESC, id DESC LIMIT 501
CALLS
# One client on one kept-alive connection, as the console's browser keeps it: a new connection per call
# would time curl's process and TCP set-up, which compete for the same two cores. A server runs warm, so
# every call is first made in turns for $warm_seconds (the JIT compiles the paths they share), then each
# is timed 30 times in a row. /q/health/live (no sign-in, no catalog) is what any answer costs here now.
warm_seconds=${WARM_SECONDS:-60}
echo "calls: each in turns for $warm_seconds s to warm the server, then 30 timed (psql = the list's main SQL alone, 30 times after 3 warm-ups)"
python3 - "$port" "$token" "$work/calls" "$warm_seconds" "$work" <<'PY'
import http.client, sys, time
port, token, calls, warm, work = int(sys.argv[1]), sys.argv[2], sys.argv[3], float(sys.argv[4]), sys.argv[5]
paths = [line.split("|")[1] for line in open(calls).read().splitlines()]
connection = http.client.HTTPConnection("127.0.0.1", port)
def get(path):
    connection.request("GET", path, headers={"Authorization": "Bearer " + token})
    answer = connection.getresponse()
    body = answer.read()
    if answer.status != 200:
        sys.exit(f"GET {path}: {answer.status} {body[:300]!r}")
    return body
deadline = time.monotonic() + warm
while time.monotonic() < deadline:
    for path in paths:
        get(path)
for i, path in enumerate(paths):
    with open(f"{work}/times.{i}", "w") as times:
        for _ in range(30):
            start = time.perf_counter()
            body = get(path)
            times.write(f"{time.perf_counter() - start:.6f}\n")
    with open(f"{work}/bytes.{i}", "w") as size:
        size.write(str(len(body)))
PY
i=0
while IFS='|' read -r label path reference; do
  line=$(printf '%-34s %s  %8d bytes' "$label" "$(percentiles "$work/times.$i")" "$(cat "$work/bytes.$i")")
  if [ -n "$reference" ]; then
    { printf '%s\n' '\timing on'; n=1; while [ $n -le 33 ]; do echo "$reference;"; n=$((n + 1)); done; } \
      | psql -X -q -d "$db" -o /dev/null 2>&1 | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -30 \
      | awk '{ printf "%.6f\n", $1 / 1000 }' >"$work/sqltimes"
    line="$line   | psql: $(percentiles "$work/sqltimes")"
  fi
  echo "$line"
  i=$((i + 1))
done <"$work/calls"

echo "retention: keepLast $((per_vm - prune_per_vm)) prunes the $prune_per_vm oldest points of each VM"
python3 - "$work/repo" "$db" "$prune_per_vm" <<'PY'
import os, subprocess, sys
repo, db, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
rows = subprocess.run(["psql", "-X", "-q", "-t", "-A", "-d", db, "-c",
    f"SELECT relative_path FROM (SELECT relative_path, row_number() OVER (PARTITION BY vm_id ORDER BY created_at) r"
    f" FROM restore_point) o WHERE r <= {n}"], capture_output=True, text=True, check=True).stdout.split()
for rel in rows:
    os.makedirs(os.path.join(repo, rel, "files"))
    open(os.path.join(repo, rel, "manifest.json"), "w").close()
print(f"  made {len(rows)} point folders to prune")
PY
job=$(call POST /jobs "{\"name\": \"bench\", \"schedule\": \"0 0 3 * * ?\", \"timeZone\": \"UTC\", \"vmNamePattern\": \"vm*\",
  \"mode\": \"pause\", \"repositoryId\": \"$repo\", \"retention\": {\"keepLast\": $((per_vm - prune_per_vm))}, \"enabled\": false}" | jq -r .id)
before=$(sql "SELECT count(*) FROM restore_point")
seconds=$(curl -sf -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $token" -X POST "$api/jobs/$job/prune?dryRun=false")
after=$(sql "SELECT count(*) FROM restore_point")
left=$(find "$work/repo" -mindepth 2 -maxdepth 2 -type d | wc -l)
echo "retention pass: $((before - after)) points pruned in ${seconds} s; $(sql 'SELECT count(*) FROM pending_deletion') deletions pending, $left point folders left"
