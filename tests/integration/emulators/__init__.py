"""Emulated vendor switches for tests: fake-switches 1.5.0 over SSH.

``fake_switches_server`` runs in ``.venv-switches`` (see
``tools/install-switch-emulator.sh``); ``fixtures`` starts it for pytest;
``capture_readback`` writes the read-back parser fixtures.
"""
