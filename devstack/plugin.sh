#!/bin/bash
# devstack plugin for esi-leap: installs it next to Ironic, creates its
# service user, endpoint and database, and runs esi-leap-api and
# esi-leap-manager. (Network switches come with the isolation feature.)

function install_esi_leap {
    setup_develop "$ESI_LEAP_DIR"
}

function configure_esi_leap {
    sudo install -d -o "$STACK_USER" "$ESI_LEAP_CONF_DIR"
    rm -f "$ESI_LEAP_CONF"
    iniset "$ESI_LEAP_CONF" DEFAULT auth_strategy keystone
    iniset "$ESI_LEAP_CONF" DEFAULT transport_url "$(get_transport_url)"
    iniset "$ESI_LEAP_CONF" api host_ip "$ESI_LEAP_SERVICE_HOST"
    iniset "$ESI_LEAP_CONF" api port "$ESI_LEAP_PORT"
    iniset "$ESI_LEAP_CONF" api default_resource_type \
        "$ESI_LEAP_DEFAULT_RESOURCE_TYPE"
    iniset "$ESI_LEAP_CONF" database connection \
        "$(database_connection_url esi_leap)"
    configure_keystone_authtoken_middleware "$ESI_LEAP_CONF" esi-leap
    for group in keystone ironic; do
        iniset "$ESI_LEAP_CONF" "$group" auth_type password
        iniset "$ESI_LEAP_CONF" "$group" auth_url "$KEYSTONE_SERVICE_URI"
        iniset "$ESI_LEAP_CONF" "$group" username esi-leap
        iniset "$ESI_LEAP_CONF" "$group" password "$SERVICE_PASSWORD"
        iniset "$ESI_LEAP_CONF" "$group" project_name "$SERVICE_PROJECT_NAME"
        iniset "$ESI_LEAP_CONF" "$group" user_domain_name "$SERVICE_DOMAIN_NAME"
        iniset "$ESI_LEAP_CONF" "$group" project_domain_name \
            "$SERVICE_DOMAIN_NAME"
    done
}

function create_esi_leap_accounts {
    create_service_user esi-leap admin
    get_or_create_service esi-leap lease "ESI leasing service"
    get_or_create_endpoint lease "$REGION_NAME" \
        "$ESI_LEAP_SERVICE_PROTOCOL://$ESI_LEAP_SERVICE_HOST:$ESI_LEAP_PORT"
}

function init_esi_leap {
    recreate_database esi_leap
    "$ESI_LEAP_BIN_DIR/esi-leap-dbsync" --config-file "$ESI_LEAP_CONF" upgrade
}

function start_esi_leap {
    run_process esi-leap-api \
        "$ESI_LEAP_BIN_DIR/esi-leap-api --config-file $ESI_LEAP_CONF"
    run_process esi-leap-manager \
        "$ESI_LEAP_BIN_DIR/esi-leap-manager --config-file $ESI_LEAP_CONF"
}

function stop_esi_leap {
    stop_process esi-leap-api
    stop_process esi-leap-manager
}

ESI_LEAP_BIN_DIR=$(get_python_exec_prefix)

if is_service_enabled esi-leap-api esi-leap-manager; then
    if [[ "$1" == "stack" && "$2" == "install" ]]; then
        echo_summary "Installing esi-leap"
        install_esi_leap
    elif [[ "$1" == "stack" && "$2" == "post-config" ]]; then
        echo_summary "Configuring esi-leap"
        configure_esi_leap
        create_esi_leap_accounts
    elif [[ "$1" == "stack" && "$2" == "extra" ]]; then
        echo_summary "Initialising and starting esi-leap"
        init_esi_leap
        start_esi_leap
    fi
    if [[ "$1" == "unstack" ]]; then
        stop_esi_leap
    fi
fi
