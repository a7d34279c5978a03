"""Print the templates (paths on stdin, relative to cwd) whose resource types are all strings.

checkov 3.3 crashes the whole run (TypeError: unhashable type: 'dict') on a template whose
`Type:` is a mapping (Rain modules), so bench/lint.sh leaves those out of checkov's input.
Runs in bench/.venv: it uses cfn-lint's template decoder.
"""

import logging
import sys

from cfnlint.decode import decode

logging.disable(logging.CRITICAL)
for line in sys.stdin:
    path = line.rstrip("\n")
    try:
        template, _ = decode(path)
    except Exception:  # noqa: BLE001 - an undecodable template is checkov's own business
        template = None
    resources = template.get("Resources") if isinstance(template, dict) else None
    if isinstance(resources, dict) and any(
        isinstance(r, dict) and not isinstance(r.get("Type", ""), str) for r in resources.values()
    ):
        print(f"checkov-unsafe: {path}", file=sys.stderr)
        continue
    print(path)
