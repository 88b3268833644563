#!/bin/sh
# Runs once, when the primary's data directory is created (docker-entrypoint-initdb.d): lets
# the replica stream WAL as the claimbase user, with its password.
set -e
echo "host replication ${POSTGRES_USER} all scram-sha-256" >> "$PGDATA/pg_hba.conf"
