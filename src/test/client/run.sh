#!/bin/sh
# The generated-client check: starts the packaged server on a fresh database of the machine's PostgreSQL
# (127.0.0.1:5432, user postgres, or PGHOST/PGPORT/PGUSER), generates a Java client from the server's own
# /q/openapi with OpenAPI Generator (pom.xml here), and runs GeneratedClientTest with it against the server.
# The database and the work folder are dropped at the end. CI runs it after the build.
#
#   src/test/client/run.sh
set -eu
cd "$(dirname "$0")/../../.."
. src/test/packaged-server.sh
start_packaged_server client_check

./mvnw -B -q -f src/test/client/pom.xml clean verify -Dopenapi.document="http://127.0.0.1:$port/q/openapi" \
  -Dstillpoint.url="http://127.0.0.1:$port" -Dstillpoint.token="$token" -Dstillpoint.work="$work"
echo "generated client: GeneratedClientTest passed against the packaged server"
