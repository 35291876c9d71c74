#!/bin/bash
# plugin.sh - devstack plugin for esi-leap: installs it next to Ironic (and
# networking-generic-switch when enabled), creates its service user,
# catalog entry and database, writes /etc/esi-leap/esi-leap.conf and runs
# esi-leap-api, esi-leap-manager and esi-leap-serial-console-proxy.
#
# devstack sources this file as "plugin.sh MODE [PHASE]"; the functions are
# in lib/esi-leap and the defaults in settings.

# shellcheck source-path=SCRIPTDIR source=lib/esi-leap
source "$ESI_LEAP_DIR/devstack/lib/esi-leap"

if esi_leap_enabled; then
    if [[ "$1" == "stack" ]]; then
        case "$2" in
            install)
                echo_summary "Installing esi-leap"
                install_esi_leap
                ;;
            post-config)
                echo_summary "Configuring esi-leap"
                configure_esi_leap
                if is_service_enabled key; then
                    create_esi_leap_accounts
                fi
                ;;
            extra)
                echo_summary "Initialising and starting esi-leap"
                init_esi_leap
                start_esi_leap
                ;;
            test-config)
                if is_service_enabled tempest; then
                    configure_esi_leap_tempest
                fi
                ;;
        esac
    fi

    if [[ "$1" == "unstack" ]]; then
        stop_esi_leap
    fi

    if [[ "$1" == "clean" ]]; then
        cleanup_esi_leap
    fi
fi
