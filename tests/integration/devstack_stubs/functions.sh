#!/bin/bash
# shellcheck shell=bash
# Stand-ins for the devstack functions the esi-leap plugin calls, for
# tests/integration/test_devstack_plugin.py. Each one appends a record to
# $STUB_LOG: the phase ($STUB_PHASE), the function's name and its
# arguments, separated by ASCII unit separators (0x1f), one call a line.
# iniset really writes the INI file (with tests/.../iniset.py); the rest
# only record, or echo what devstack would compute from the environment.
#
# Needs: STUB_LOG, STUB_PHASE, STUB_PYTHON (a Python 3), STUB_BIN_DIR
# (what get_python_exec_prefix answers), STUB_DB_DIR and ENABLED_SERVICES.

STUB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

function _stub_record {
    local IFS=$'\x1f'
    printf '%s\x1f%s\n' "$STUB_PHASE" "$*" >> "$STUB_LOG"
}

# -- services --------------------------------------------------------------

function is_service_enabled {
    local service
    for service in "$@"; do
        if [[ ",$ENABLED_SERVICES," == *",$service,"* ]]; then
            return 0
        fi
    done
    return 1
}

function enable_service {
    local service
    _stub_record enable_service "$@"
    for service in "$@"; do
        is_service_enabled "$service" \
            || ENABLED_SERVICES="$ENABLED_SERVICES,$service"
    done
}

function define_plugin { _stub_record define_plugin "$@"; }
function plugin_requires { _stub_record plugin_requires "$@"; }
function echo_summary { _stub_record echo_summary "$@"; }

# -- installing ------------------------------------------------------------

function get_python_exec_prefix { echo "$STUB_BIN_DIR"; }
function setup_develop { _stub_record setup_develop "$@"; }
function pip_install { _stub_record pip_install "$@"; }
function install_apache_uwsgi { _stub_record install_apache_uwsgi "$@"; }

function sudo {
    _stub_record sudo "$@"
    "$@"
}

# -- configuration ---------------------------------------------------------

function iniset {
    "$STUB_PYTHON" "$STUB_DIR/iniset.py" "$@"
}

# As devstack's lib/keystone: the [keystone_authtoken] options.
function configure_keystone_authtoken_middleware {
    local conf=$1 user=$2 section=${3:-keystone_authtoken}
    _stub_record configure_keystone_authtoken_middleware "$@"
    iniset "$conf" "$section" auth_type password
    iniset "$conf" "$section" interface public
    iniset "$conf" "$section" www_authenticate_uri "$KEYSTONE_SERVICE_URI"
    iniset "$conf" "$section" auth_url "$KEYSTONE_SERVICE_URI"
    iniset "$conf" "$section" username "$user"
    iniset "$conf" "$section" password "$SERVICE_PASSWORD"
    iniset "$conf" "$section" user_domain_name "$SERVICE_DOMAIN_NAME"
    iniset "$conf" "$section" project_name "$SERVICE_PROJECT_NAME"
    iniset "$conf" "$section" project_domain_name "$SERVICE_DOMAIN_NAME"
}

function setup_logging { _stub_record setup_logging "$@"; }

function get_transport_url {
    echo "rabbit://stackrabbit:$RABBIT_PASSWORD@$SERVICE_HOST:5672/"
}

# The database server is SQLite files in $STUB_DB_DIR: esi-leap-dbsync
# and the service really use the database the plugin configures.
function database_connection_url {
    _stub_record database_connection_url "$@"
    echo "sqlite:///$STUB_DB_DIR/$1.sqlite"
}

function recreate_database {
    _stub_record recreate_database "$@"
    rm -f "$STUB_DB_DIR/$1.sqlite"
}

# As devstack's lib/apache (uwsgi serving HTTP itself: 4th argument).
function write_uwsgi_config {
    _stub_record write_uwsgi_config "$@"
    rm -f "$1"
    iniset "$1" uwsgi wsgi-file "$2"
    iniset "$1" uwsgi http "$4"
}

function remove_uwsgi_config {
    _stub_record remove_uwsgi_config "$@"
    rm -f "$1"
}

# -- Keystone, databases, processes ----------------------------------------

function create_service_user { _stub_record create_service_user "$@"; }
function get_or_add_user_project_role {
    _stub_record get_or_add_user_project_role "$@"
}
function get_or_create_service { _stub_record get_or_create_service "$@"; }
function get_or_create_endpoint { _stub_record get_or_create_endpoint "$@"; }
function run_process { _stub_record run_process "$@"; }
function stop_process { _stub_record stop_process "$@"; }

# Database clients: record whether the password came through the
# environment (never its value).
function mysql {
    _stub_record mysql "$@" "MYSQL_PWD=${MYSQL_PWD:+set}"
}
function dropdb {
    _stub_record dropdb "$@" "PGPASSWORD=${PGPASSWORD:+set}"
}
