"""esi-leap: leasing, isolation and audit for multi-tenant bare metal."""

import warnings

# oslo.messaging imports oslo.service, which imports eventlet and warns that
# eventlet is deprecated. esi-leap never uses eventlet (threads only).
warnings.filterwarnings("ignore", message="\\s*Eventlet is deprecated")
