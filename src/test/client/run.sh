#!/bin/sh
# The generated-client check: starts the packaged server on a fresh database of the machine's PostgreSQL
# (127.0.0.1:5432, user postgres, or PGHOST/PGPORT/PGUSER), generates a Java client from the server's own
# /q/openapi with OpenAPI Generator (pom.xml here), and runs GeneratedClientTest with it against the server.
# The database and the work folder are dropped at the end. CI runs it after the build.
#
#   src/test/client/run.sh
set -eu
cd "$(dirname "$0")/../../.."
jar=target/quarkus-app/quarkus-run.jar
[ -f "$jar" ] || ./mvnw -B -q -DskipTests package
export PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
db=stillpoint_client_check_$$
work=$(mktemp -d /tmp/stillpoint-client-check.XXXXXX)
chmod 755 "$work"
port=$((20000 + $$ % 20000))
password=client-check-password-1
server_pid=
cleanup() {
  set +e
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; fi
  dropdb --if-exists "$db"
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

createdb "$db"
QUARKUS_DATASOURCE_JDBC_URL="jdbc:postgresql://$PGHOST:$PGPORT/$db" QUARKUS_DATASOURCE_USERNAME=$PGUSER \
  QUARKUS_DATASOURCE_PASSWORD= STILLPOINT_HOME="$work/home" STILLPOINT_ADMIN_PASSWORD=$password \
  java -Dquarkus.http.port=$port -Dquarkus.http.ssl-port=$((port + 20000)) -jar "$jar" >"$work/server.log" 2>&1 &
server_pid=$!
tries=0
until curl -sf "http://127.0.0.1:$port/q/health/live" >/dev/null; do
  tries=$((tries + 1))
  if ! kill -0 "$server_pid" 2>/dev/null || [ $tries -gt 600 ]; then cat "$work/server.log"; exit 1; fi
  sleep 0.5
done
token=$(curl -sf -u "admin:$password" -X POST -H 'Content-Type: application/json' \
  -d '{"name": "generated-client", "role": "admin"}' "http://127.0.0.1:$port/api/tokens" | jq -r .secret)

./mvnw -B -q -f src/test/client/pom.xml clean verify -Dopenapi.document="http://127.0.0.1:$port/q/openapi" \
  -Dstillpoint.url="http://127.0.0.1:$port" -Dstillpoint.token="$token" -Dstillpoint.work="$work"
echo "generated client: GeneratedClientTest passed against the packaged server"
