"""Sphinx configuration of the esi-leap documentation (``tox -e docs``).

The guides are the Markdown files of this directory (read by MyST); the
configuration and policy references are generated from the code by
oslo.config's and oslo.policy's Sphinx extensions, never written by hand.
"""

project = "esi-leap"
copyright = "esi-leap developers"
extensions = [
    "myst_parser",
    "oslo_config.sphinxext",
    "oslo_policy.sphinxext",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "images/README.md"]
myst_heading_anchors = 3
html_theme = "alabaster"
html_title = "esi-leap"
# Links to files outside docs/ (README, etc/, the code) stay as they are.
suppress_warnings = ["myst.xref_missing"]
