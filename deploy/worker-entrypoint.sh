#!/bin/sh
# One worker replica in a container. Replicas scaled from one compose service share their
# settings, so each one takes its own data folder from its container hostname (unique per
# replica). The advertised REST URL is not per replica: every replica of a server gives the
# cohort the same one (LINEAGE_ADVERTISED_URL, the proxy's in docker-compose.kafka.yml), so
# the registration does not depend on which replica sends it.
set -eu
replica="$(hostname)"
export LINEAGE_DATA_DIR="${LINEAGE_DATA_DIR:-/var/lib/lineage-integrator}/replicas/${replica}"
mkdir -p "${LINEAGE_DATA_DIR}"
exec lineage-integrator worker "$@"
