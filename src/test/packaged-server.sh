# Sourced by scripts that drive the packaged server (src/test/bench/catalog-scale-bench.sh,
# src/test/client/run.sh): start_packaged_server <name> starts target/quarkus-app/quarkus-run.jar on a fresh
# database of the machine's PostgreSQL (127.0.0.1:5432, user postgres, or PGHOST/PGPORT/PGUSER) with a fresh
# home in a work folder, waits until it is live and signs in an admin API token. It sets db, work, port, api,
# token and server_pid; the database, the server and the work folder go when the script exits.
# Run from the repository's root.

start_packaged_server() { # name
  jar=target/quarkus-app/quarkus-run.jar
  [ -f "$jar" ] || ./mvnw -B -q -DskipTests package
  export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
  db=stillpoint_$1_$$
  work=$(mktemp -d "/tmp/stillpoint-$1.XXXXXX")
  chmod 755 "$work"
  port=$((20000 + $$ % 20000))
  api="http://127.0.0.1:$port/api"
  server_pid=
  trap stop_packaged_server EXIT INT TERM
  createdb "$db"
  password=packaged-server-admin-1
  QUARKUS_DATASOURCE_JDBC_URL="jdbc:postgresql://$PGHOST:$PGPORT/$db" QUARKUS_DATASOURCE_USERNAME=$PGUSER \
    QUARKUS_DATASOURCE_PASSWORD= STILLPOINT_HOME="$work/home" STILLPOINT_ADMIN_PASSWORD=$password \
    java -Dquarkus.http.port="$port" -Dquarkus.http.ssl-port=$((port + 20000)) -jar "$jar" >"$work/server.log" 2>&1 &
  server_pid=$!
  tries=0
  until curl -sf "http://127.0.0.1:$port/q/health/live" >/dev/null; do
    tries=$((tries + 1))
    if ! kill -0 "$server_pid" 2>/dev/null || [ $tries -gt 600 ]; then cat "$work/server.log"; exit 1; fi
    sleep 0.5
  done
  token=$(curl -sf -u "admin:$password" -X POST -H 'Content-Type: application/json' \
    -d "{\"name\": \"$1\", \"role\": \"admin\"}" "$api/tokens" | jq -r .secret)
}

stop_packaged_server() {
  set +e
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; fi
  dropdb --if-exists "$db"
  rm -rf "$work"
}
