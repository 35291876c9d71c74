#!/usr/bin/env bash
# Regenerate tests/fixtures/esi_leap_1_0/{sqlite,postgresql,mysql}.sql from the
# REAL upstream ESI-Leap 1.0.0 (PyPI "esi-leap==1.0.0"), so that our
# `esi-leap-dbsync upgrade` can be tested against databases it really created.
#
# Steps:
#   1. make (or reuse) a throw-away virtualenv with esi-leap==1.0.0,
#      PyMySQL and psycopg2-binary (nothing in it is patched: 1.0.0 runs as is
#      on Python 3.11 with the SQLAlchemy 1.4 / alembic it resolves to);
#   2. create scratch databases and run ESI-Leap 1.0's own
#      `esi-leap-dbsync --config-file X create_schema`
#      (= models.Base.metadata.create_all + alembic stamp head);
#   3. insert fixed rows through ESI-Leap 1.0's own DB API (esi_leap.db.api);
#   4. dump each database to plain SQL and post-process it so that it can be
#      executed statement by statement (every statement ends with ';' at the
#      end of a line, no psql meta-commands, no DELIMITER);
#   5. verify: load every file into a fresh empty database both with the
#      native client and with a naive "split on ';' at end of line" loader,
#      count rows, and check that dump(load(file)) reproduces the file;
#   6. drop the scratch databases.
#
# Needs: python3 (with venv), sqlite3, psql/pg_dump/createdb, mariadb/
# mariadb-dump (or mysql/mysqldump), a PostgreSQL at 127.0.0.1:5432 (user
# postgres, trust auth) and a MariaDB/MySQL at 127.0.0.1:3306 (root, no
# password). Override with the environment variables below.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${OUT:-$REPO/tests/fixtures/esi_leap_1_0}
VENV=${ESI_LEAP_10_VENV:-/work/venvs/esileap10}
PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
PGUSER=${PGUSER:-postgres}
MYHOST=${MYHOST:-127.0.0.1}
MYPORT=${MYPORT:-3306}
MYUSER=${MYUSER:-root}
DB=${DB:-esileap10_fixture}
VERIFY_DB=${DB}_verify
export PGHOST PGPORT PGUSER
# NOTE on reproducibility: SQLAlchemy 1.4's create_all emits indexes (and,
# on MySQL, the foreign keys of the offers<->leases cycle) in set order, which
# depends on object ids, i.e. it changes from run to run and PYTHONHASHSEED
# does not pin it.  Consequences handled below:
#  * MySQL/MariaDB auto-names the FKs, so leases_ibfk_1/leases_ibfk_2 land on
#    offer_uuid or parent_lease_uuid at random: we re-run create_schema until
#    leases_ibfk_1 is the offer_uuid one (both namings occur in the wild!);
#  * the order of KEY lines (MySQL) and CREATE INDEX statements (SQLite) in
#    the dumps varies: normalize.py below sorts them (index creation order has
#    no meaning).

MYSQL=$(command -v mariadb || command -v mysql)
MYSQLDUMP=$(command -v mariadb-dump || command -v mysqldump)
my() { "$MYSQL" -h "$MYHOST" -P "$MYPORT" -u "$MYUSER" "$@"; }
psq() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

WORK=$(mktemp -d)
cleanup() {
    psq -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "DROP DATABASE IF EXISTS $VERIFY_DB" >/dev/null 2>&1 || true
    my -e "DROP DATABASE IF EXISTS $DB; DROP DATABASE IF EXISTS $VERIFY_DB" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT

# --------------------------------------------------------------------------
# 1. virtualenv with the real ESI-Leap 1.0.0
# --------------------------------------------------------------------------
if [ ! -x "$VENV/bin/esi-leap-dbsync" ]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q "esi-leap==1.0.0" PyMySQL psycopg2-binary
fi
PY=$VENV/bin/python
"$PY" -c 'import importlib.metadata as m; v=m.version("esi-leap"); assert v=="1.0.0", v'

# --------------------------------------------------------------------------
# 2. scratch databases + ESI-Leap 1.0's own create_schema
# --------------------------------------------------------------------------
psq -d postgres -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" 2>/dev/null
my -e "DROP DATABASE IF EXISTS $DB; CREATE DATABASE $DB"

SQLITE_DB=$WORK/esileap10.sqlite
declare -A URL=(
    [sqlite]="sqlite:///$SQLITE_DB"
    [postgresql]="postgresql+psycopg2://$PGUSER@$PGHOST:$PGPORT/$DB"
    [mysql]="mysql+pymysql://$MYUSER@$MYHOST:$MYPORT/$DB"
)

# Fixed rows, written through esi_leap.db.api (the same functions the
# 1.0 API/manager use).  created_at/updated_at are passed explicitly so the
# dumps are reproducible (otherwise TimestampMixin uses utcnow()).
cat > "$WORK/seed.py" <<'PYEOF'
import datetime as dt
import sys

import esi_leap.conf
from oslo_db import options as db_options

CONF = esi_leap.conf.CONF
CONF(["--config-file", sys.argv[1]], project="esi-leap")
db_options.set_defaults(CONF)

from esi_leap.db import api as dbapi  # noqa: E402

D = dt.datetime
OWNER = "0a1b2c3d4e5f40718293a4b5c6d7e8f9"      # owner project
LESSEE = "1b2c3d4e5f60418293a4b5c6d7e8f90a"     # lessee project
SUBLESSEE = "2c3d4e5f6071429384a5b6c7d8e9f0a1"  # sub-lessee project
NODE1 = "aaaaaaaa-1111-4aaa-8aaa-aaaaaaaaaaa1"
NODE2 = "aaaaaaaa-2222-4aaa-8aaa-aaaaaaaaaaa2"
NODE3 = "aaaaaaaa-3333-4aaa-8aaa-aaaaaaaaaaa3"
O1 = "11111111-1111-4111-8111-111111111111"
O2 = "22222222-2222-4222-8222-222222222222"
O3 = "33333333-3333-4333-8333-333333333333"
O4 = "44444444-4444-4444-8444-444444444444"
L1 = "aaaa0001-0000-4000-8000-000000000001"
L2 = "aaaa0002-0000-4000-8000-000000000002"
L3 = "aaaa0003-0000-4000-8000-000000000003"
L4 = "aaaa0004-0000-4000-8000-000000000004"

# offers O1..O3 first (leases reference them), O4 last (it references L2)
dbapi.offer_create(dict(
    uuid=O1, name="offer-available", project_id=OWNER, lessee_id=LESSEE,
    resource_type="ironic_node", resource_uuid=NODE1,
    start_time=D(2024, 1, 1, 0, 0, 0), end_time=D(9999, 12, 31, 23, 59, 59, 999999),
    status="available",
    properties={"cpu_arch": "x86_64", "memory_mb": 65536,
                "traits": ["CUSTOM_GPU", "CUSTOM_NVME"], "note": "caf\u00e9 'quoted'"},
    created_at=D(2024, 1, 1, 0, 0, 0, 1)))
dbapi.offer_create(dict(
    uuid=O2, name="offer-deleted", project_id=OWNER,
    resource_type="ironic_node", resource_uuid=NODE2,
    start_time=D(2024, 2, 1, 9, 0, 0, 500000), end_time=D(2024, 3, 1, 9, 0, 0, 500000),
    status="deleted", properties={},
    created_at=D(2024, 1, 15, 10, 0, 0, 123456),
    updated_at=D(2024, 1, 20, 10, 0, 0, 654321)))
dbapi.offer_create(dict(
    uuid=O3, name=None, project_id=OWNER,
    resource_type="ironic_node", resource_uuid=NODE3,
    start_time=D(2023, 6, 1, 0, 0, 0), end_time=D(2023, 12, 31, 23, 59, 59, 999999),
    status="expired",
    created_at=D(2023, 5, 30, 12, 0, 0), updated_at=D(2024, 1, 1, 0, 0, 1, 5)))

dbapi.lease_create(dict(
    uuid=L1, name="lease-created", project_id=LESSEE, owner_id=OWNER,
    purpose="CI burst capacity", offer_uuid=O1,
    resource_type="ironic_node", resource_uuid=NODE1,
    start_time=D(2030, 1, 1, 12, 0, 0, 123456), end_time=D(2030, 2, 1, 12, 0, 0, 654321),
    status="created", properties={},
    created_at=D(2024, 5, 1, 8, 0, 0, 111111)))
dbapi.lease_create(dict(
    uuid=L2, name="lease-active", project_id=LESSEE, owner_id=OWNER,
    offer_uuid=O1, resource_type="ironic_node", resource_uuid=NODE1,
    start_time=D(2024, 6, 1, 8, 30, 0, 250000), end_time=D(2029, 6, 1, 8, 30, 0, 250000),
    fulfill_time=D(2024, 6, 1, 8, 30, 5, 500123),
    status="active", properties={"purpose_code": 7},
    created_at=D(2024, 5, 31, 17, 45, 12, 345678),
    updated_at=D(2024, 6, 1, 8, 30, 5, 500123)))
dbapi.lease_create(dict(
    uuid=L3, name="lease-expired", project_id=LESSEE, owner_id=OWNER,
    offer_uuid=O3, resource_type="ironic_node", resource_uuid=NODE3,
    start_time=D(2023, 7, 1, 0, 0, 0, 1), end_time=D(2023, 8, 1, 0, 0, 0, 999999),
    fulfill_time=D(2023, 7, 1, 0, 0, 2, 42), expire_time=D(2023, 8, 1, 0, 0, 3, 7),
    status="expired",
    created_at=D(2023, 6, 30, 23, 0, 0), updated_at=D(2023, 8, 1, 0, 0, 3, 7)))

# child offer: the lessee of the active lease L2 re-offers the node
dbapi.offer_create(dict(
    uuid=O4, name="offer-child", project_id=LESSEE, lessee_id=None,
    resource_type="ironic_node", resource_uuid=NODE1,
    start_time=D(2024, 7, 1, 0, 0, 0), end_time=D(2025, 1, 1, 0, 0, 0),
    status="available", properties=None, parent_lease_uuid=L2,
    created_at=D(2024, 6, 20, 14, 0, 0, 999999)))

dbapi.lease_create(dict(
    uuid=L4, name="lease-wait-expire", project_id=SUBLESSEE, owner_id=LESSEE,
    offer_uuid=O4, parent_lease_uuid=L2,
    resource_type="ironic_node", resource_uuid=NODE1,
    start_time=D(2024, 7, 1, 0, 0, 0, 10), end_time=D(2025, 1, 1, 0, 0, 0, 20),
    fulfill_time=D(2024, 7, 1, 0, 0, 4, 30),
    status="wait expire", properties={},
    created_at=D(2024, 6, 30, 22, 0, 0, 1), updated_at=D(2025, 1, 1, 0, 0, 1, 2)))

dbapi.event_create(dict(
    event_type="esi_leap.offer.create.end", event_time=D(2024, 1, 1, 0, 0, 0, 2),
    object_type="offer", object_uuid=O1,
    resource_type="ironic_node", resource_uuid=NODE1,
    lessee_id=LESSEE, owner_id=OWNER, created_at=D(2024, 1, 1, 0, 0, 0, 3)))
dbapi.event_create(dict(
    event_type="esi_leap.lease.fulfill.end", event_time=D(2024, 6, 1, 8, 30, 5, 600000),
    object_type="lease", object_uuid=L2,
    resource_type="ironic_node", resource_uuid=NODE1,
    lessee_id=LESSEE, owner_id=OWNER, created_at=D(2024, 6, 1, 8, 30, 5, 600001)))
dbapi.event_create(dict(
    event_type="esi_leap.lease.expire.end", event_time=D(2023, 8, 1, 0, 0, 3, 8),
    object_type="lease", object_uuid=L3,
    resource_type="ironic_node", resource_uuid=NODE3,
    lessee_id=LESSEE, owner_id=OWNER, created_at=D(2023, 8, 1, 0, 0, 3, 9)))

dbapi.console_auth_token_create(dict(
    node_uuid=NODE1,
    # sha256("fixture-console-token")
    token_hash="9b26fd4fca5ff0754d778e646ed10ead356c944f9239df9d82ffef482c955f78",
    expires=1893456000,  # 2030-01-01T00:00:00Z
    created_at=D(2024, 6, 2, 9, 0, 0, 77)))
print("seeded")
PYEOF
# (the token_hash comment is checked below)
"$PY" - <<'PYEOF'
import hashlib
assert hashlib.sha256(b"fixture-console-token").hexdigest() == \
    "9b26fd4fca5ff0754d778e646ed10ead356c944f9239df9d82ffef482c955f78"
PYEOF

leases_ibfk_1_column() {
    my -N -B -e "SELECT column_name FROM information_schema.key_column_usage
                 WHERE table_schema='$DB' AND table_name='leases'
                   AND constraint_name='leases_ibfk_1'"
}

for be in sqlite postgresql mysql; do
    printf '[database]\nconnection = %s\n' "${URL[$be]}" > "$WORK/$be.conf"
    for try in $(seq 1 30); do
        "$VENV/bin/esi-leap-dbsync" --config-file "$WORK/$be.conf" create_schema \
            > "$WORK/$be.create_schema.log" 2>&1 \
            || { cat "$WORK/$be.create_schema.log"; exit 1; }
        [ "$be" != mysql ] && break
        [ "$(leases_ibfk_1_column)" = offer_uuid ] && break
        [ "$try" = 30 ] && { echo "could not get leases_ibfk_1 = offer_uuid" >&2; exit 1; }
        my -e "DROP DATABASE $DB; CREATE DATABASE $DB"
    done
    "$PY" -W ignore "$WORK/seed.py" "$WORK/$be.conf" > "$WORK/$be.seed.log" 2>&1 \
        || { cat "$WORK/$be.seed.log"; exit 1; }
done

# --------------------------------------------------------------------------
# 4. dumps
# --------------------------------------------------------------------------
mkdir -p "$OUT"

# Sort runs of consecutive "CREATE INDEX" statements (SQLite) and the
# "KEY `...`" lines of each CREATE TABLE (MySQL), fixing the trailing commas.
# Only the textual order of index definitions changes.
cat > "$WORK/normalize.py" <<'PYEOF'
import re
import sys

mode = sys.argv[1]
lines = sys.stdin.read().split("\n")
out = []
i = 0
if mode == "sqlite":
    while i < len(lines):
        j = i
        while j < len(lines) and lines[j].startswith("CREATE INDEX "):
            j += 1
        if j > i:
            out.extend(sorted(lines[i:j]))
            i = j
        else:
            out.append(lines[i])
            i += 1
else:
    key = re.compile(r"^  KEY `")
    while i < len(lines):
        j = i
        while j < len(lines) and key.match(lines[j]):
            j += 1
        if j > i:
            last_has_comma = lines[j - 1].endswith(",")
            block = sorted(l.rstrip(",") for l in lines[i:j])
            block = [l + "," for l in block[:-1]] + [block[-1] + ("," if last_has_comma else "")]
            out.extend(block)
            i = j
        else:
            out.append(lines[i])
            i += 1
sys.stdout.write("\n".join(out))
PYEOF

dump_sqlite() {  # $1 = db file
    sqlite3 "$1" .dump | python3 "$WORK/normalize.py" sqlite
}
dump_pg() {  # $1 = db name
    # --column-inserts: plain INSERT statements with column names.
    # Post-processing: drop '--' comment lines, psql meta-commands
    # (\restrict / \unrestrict, pg_dump >= 15.14/16.10/17.6), the
    # "set_config('search_path', '', false)" line (it would leave a reusing
    # connection with an empty search_path; every name in the dump is
    # schema-qualified with public. anyway), and collapse blank lines.
    pg_dump --no-owner --no-privileges --column-inserts -d "$1" \
        | grep -v -e '^--' -e '^\\' -e "^SELECT pg_catalog.set_config('search_path'" \
        | cat -s | sed -e '1{/^$/d}'
}
dump_my() {  # $1 = db name
    # --compact drops comments, DROP TABLE, LOCK TABLES and the
    # FOREIGN_KEY_CHECKS=0 header; offers<->leases have circular foreign keys
    # and tables are dumped alphabetically, so we put FOREIGN_KEY_CHECKS=0
    # back explicitly.  The MariaDB 10.11+ "/*M!999999\- enable the sandbox
    # mode */" first line is removed (old clients choke on it).
    echo 'SET NAMES utf8mb4;'
    echo 'SET FOREIGN_KEY_CHECKS=0;'
    "$MYSQLDUMP" -h "$MYHOST" -P "$MYPORT" -u "$MYUSER" --compact --skip-extended-insert \
        --complete-insert --order-by-primary --skip-dump-date --tz-utc "$1" \
        | grep -v -e '^/\*M!999999' | python3 "$WORK/normalize.py" mysql
    echo 'SET FOREIGN_KEY_CHECKS=1;'
}

dump_sqlite "$SQLITE_DB" > "$OUT/sqlite.sql"
dump_pg "$DB" > "$OUT/postgresql.sql"
dump_my "$DB" > "$OUT/mysql.sql"

# --------------------------------------------------------------------------
# 5. verification
# --------------------------------------------------------------------------
EXPECTED='alembic_version=1 console_auth_tokens=1 events=3 leases=4 offers=4 head=11e06aea1af5'

count_sql="SELECT 'alembic_version=' || (SELECT count(*) FROM alembic_version) || ' console_auth_tokens=' || (SELECT count(*) FROM console_auth_tokens) || ' events=' || (SELECT count(*) FROM events) || ' leases=' || (SELECT count(*) FROM leases) || ' offers=' || (SELECT count(*) FROM offers) || ' head=' || (SELECT version_num FROM alembic_version)"
my_count_sql="SELECT CONCAT('alembic_version=', (SELECT count(*) FROM alembic_version), ' console_auth_tokens=', (SELECT count(*) FROM console_auth_tokens), ' events=', (SELECT count(*) FROM events), ' leases=', (SELECT count(*) FROM leases), ' offers=', (SELECT count(*) FROM offers), ' head=', (SELECT version_num FROM alembic_version))"

check() {  # $1 = label, $2 = actual
    if [ "$2" != "$EXPECTED" ]; then
        echo "FAIL $1: got '$2' expected '$EXPECTED'" >&2
        exit 1
    fi
    echo "ok   $1: $2"
}

# 5a. native clients
rm -f "$WORK/v.sqlite"
sqlite3 -bail "$WORK/v.sqlite" < "$OUT/sqlite.sql"
check "sqlite3 CLI" "$(sqlite3 "$WORK/v.sqlite" "$count_sql")"
[ "$(dump_sqlite "$WORK/v.sqlite")" = "$(cat "$OUT/sqlite.sql")" ] || { echo "FAIL sqlite round trip" >&2; exit 1; }

psq -d postgres -c "DROP DATABASE IF EXISTS $VERIFY_DB" -c "CREATE DATABASE $VERIFY_DB" 2>/dev/null
psq -d "$VERIFY_DB" -f "$OUT/postgresql.sql" >/dev/null
check "psql -f" "$(psql -X -At -d "$VERIFY_DB" -c "$count_sql")"
[ "$(dump_pg "$VERIFY_DB")" = "$(cat "$OUT/postgresql.sql")" ] || { echo "FAIL postgresql round trip" >&2; exit 1; }

my -e "DROP DATABASE IF EXISTS $VERIFY_DB; CREATE DATABASE $VERIFY_DB"
my "$VERIFY_DB" < "$OUT/mysql.sql"
check "mariadb CLI" "$(my -N -B "$VERIFY_DB" -e "$my_count_sql")"
[ "$(dump_my "$VERIFY_DB")" = "$(cat "$OUT/mysql.sql")" ] || { echo "FAIL mysql round trip" >&2; exit 1; }

# 5b. naive statement splitter (what a Python test would do): accumulate
#     lines until one ends with ';', execute, repeat.
psq -d postgres -c "DROP DATABASE IF EXISTS $VERIFY_DB" -c "CREATE DATABASE $VERIFY_DB" 2>/dev/null
my -e "DROP DATABASE IF EXISTS $VERIFY_DB; CREATE DATABASE $VERIFY_DB"
rm -f "$WORK/v2.sqlite"
"$PY" - "$OUT" "$WORK/v2.sqlite" "$PGUSER" "$PGHOST" "$PGPORT" "$VERIFY_DB" "$MYUSER" "$MYHOST" "$MYPORT" "$EXPECTED" <<'PYEOF'
import sqlite3
import sys

import psycopg2
import pymysql

out, sqlite_path, pguser, pghost, pgport, vdb, myuser, myhost, myport, expected = sys.argv[1:]


def statements(path):
    buf = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not buf and not line.strip():
                continue
            buf.append(line)
            if line.rstrip().endswith(";"):
                yield "".join(buf)
                buf = []
    assert not "".join(buf).strip(), "trailing unterminated statement: %r" % buf


def counts(cur):
    res = []
    for t in ("alembic_version", "console_auth_tokens", "events", "leases", "offers"):
        cur.execute("SELECT count(*) FROM %s" % t)
        res.append("%s=%d" % (t, cur.fetchone()[0]))
    cur.execute("SELECT version_num FROM alembic_version")
    res.append("head=" + cur.fetchone()[0])
    return " ".join(res)


def run(label, conn, path):
    cur = conn.cursor()
    n = 0
    for st in statements(path):
        cur.execute(st)
        n += 1
    conn.commit()
    got = counts(cur)
    assert got == expected, (label, got, expected)
    print("ok   %s: %d statements, %s" % (label, n, got))


c = sqlite3.connect(sqlite_path, isolation_level=None)
run("sqlite split-loader", c, out + "/sqlite.sql")
c = psycopg2.connect(user=pguser, host=pghost, port=int(pgport), dbname=vdb)
run("postgresql split-loader", c, out + "/postgresql.sql")
c = pymysql.connect(user=myuser, host=myhost, port=int(myport), database=vdb)
run("mysql split-loader", c, out + "/mysql.sql")
PYEOF

echo "fixtures written to $OUT"
