"""Switch drivers, loaded by stevedore from ``esi_leap.switch_drivers``."""

from stevedore import driver as stevedore_driver

from esi_leap.common import exception
from esi_leap.drivers.switches.base import NAMESPACE
from esi_leap.drivers.switches.base import SwitchConfig
from esi_leap.drivers.switches.base import SwitchDriver


def known_drivers() -> list[str]:
    """Names of the installed switch drivers."""
    from stevedore import extension
    return sorted(extension.ExtensionManager(NAMESPACE).names())


def get_driver(config: SwitchConfig) -> SwitchDriver:
    """Build the driver named by ``config.driver`` for that switch.

    :raises InvalidInput: when no such driver is installed.
    :raises SwitchError: when the driver refuses the switch's settings.
    """
    try:
        manager: stevedore_driver.DriverManager[type[SwitchDriver]] = (
            stevedore_driver.DriverManager(NAMESPACE, config.driver))
    except Exception as exc:  # stevedore raises NoMatches/RuntimeError
        raise exception.InvalidInput(
            reason=f"switch driver {config.driver!r} is not available "
                   f"(installed: {', '.join(known_drivers()) or 'none'})."
        ) from exc
    driver_class: type[SwitchDriver] = manager.driver  # type: ignore[assignment]
    return driver_class(config)
