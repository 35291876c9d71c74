"""The sample config and policy in etc/ are what the generators make now."""

import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
ETC = ROOT / "etc" / "esi-leap"


def _bin(name: str) -> str:
    return str(pathlib.Path(sys.executable).parent / name)


@pytest.mark.parametrize("tool,config,sample", [
    ("oslo-config-generator", "esi-leap-config-generator.conf",
     "esi-leap.conf.sample"),
    ("oslopolicy-sample-generator", "esi-leap-policy-generator.conf",
     "policy.yaml.sample"),
])
def test_sample_is_current(tool, config, sample, tmp_path):
    out = tmp_path / sample
    subprocess.run([_bin(tool), "--config-file", str(ETC / config),
                    "--output-file", str(out)], check=True, cwd=ROOT,
                   capture_output=True)
    assert out.read_text() == (ETC / sample).read_text(), (
        f"etc/esi-leap/{sample} is stale: run tox -e "
        f"{'genconfig' if 'config' in tool else 'genpolicy'}")


def test_every_option_has_help():
    from esi_leap.conf import api
    from esi_leap.conf import auth
    from esi_leap.conf import dummy_node
    from esi_leap.conf import embedded
    from esi_leap.conf import keystone
    from esi_leap.conf import manager
    from esi_leap.conf import notification
    from esi_leap.conf import opts
    from esi_leap.conf import quota
    for group, options in opts.list_opts():
        for opt in options:
            assert opt.help, (group, opt.name)
    ours = (api.opts + auth.opts + auth.pecan_opts + dummy_node.opts
            + embedded.opts + keystone.opts + manager.opts
            + notification.opts + quota.opts)
    for opt in ours:
        assert opt.help.rstrip().endswith("."), opt.name
