"""Report Ironic's policy rules with and without a policy file (runs in
Ironic's venv: ``python -I policy_report.py [POLICY_FILE]``; ``-I`` keeps
this directory, whose ``ironic.py`` would shadow Ironic, off sys.path).

Prints JSON ``{name: {"default": str, "effective": str,
"deprecated_name": str|None}}`` for every rule Ironic registers, where
both check strings are oslo.policy's normalised form and "effective" is
what Ironic enforces once the file is loaded (oslo.policy's
deprecated-name fallback included). ``"file"`` maps the file's own rules
to their normalised form.
"""

import json
import sys
import warnings

import ironic.conf  # noqa: F401 - registers Ironic's options
from ironic.common import policy
from oslo_config import cfg
from oslo_policy import _parser


def main() -> None:
    warnings.simplefilter("ignore")
    cfg.CONF([], project="ironic")
    policy_file = sys.argv[1] if len(sys.argv) > 1 else None
    policy.init_enforcer(policy_file=policy_file)
    enforcer = policy.get_enforcer()
    enforcer.load_rules()
    if policy_file and not enforcer.file_rules:
        sys.exit(f"policy file {policy_file} not found or empty "
                 "(give an absolute path)")
    rules = {}
    for default in policy.list_policies():
        deprecated = getattr(default, "deprecated_rule", None)
        rules[default.name] = {
            "default": str(_parser.parse_rule(default.check_str)),
            "effective": str(enforcer.rules[default.name]),
            "deprecated_name": deprecated.name if deprecated else None,
        }
    file_rules = {name: str(rule.check)
                  for name, rule in enforcer.file_rules.items()}
    json.dump({"rules": rules, "file": file_rules}, sys.stdout)


if __name__ == "__main__":
    main()
