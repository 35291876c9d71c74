"""The switch audit: read switches back and compare them with the database.

:mod:`~esi_leap.audit.intended` derives what every port should carry,
:mod:`~esi_leap.audit.compare` classifies what was read into findings,
:mod:`~esi_leap.audit.runner` runs audits in the manager,
:mod:`~esi_leap.audit.remediation` plans and applies fixes and
:mod:`~esi_leap.audit.verification` answers a project's question "is my
network isolated?".
"""
