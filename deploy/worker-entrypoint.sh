#!/bin/sh
# One worker replica in a container. Replicas scaled from one compose service share their
# settings, so each one takes its own data folder and advertised REST URL from its
# container hostname (unique per replica, and resolvable by the other containers).
set -eu
replica="$(hostname)"
export LINEAGE_DATA_DIR="${LINEAGE_DATA_DIR:-/var/lib/lineage-integrator}/replicas/${replica}"
export LINEAGE_ADVERTISED_URL="${LINEAGE_ADVERTISED_URL:-http://${replica}:${LINEAGE_WEB_PORT:-6066}}"
mkdir -p "${LINEAGE_DATA_DIR}"
exec lineage-integrator worker "$@"
