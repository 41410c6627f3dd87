"""Write the policy fixtures (policies/opa/<policy>/{allowed,denied}_*.json) from fixture_cases.py.

Run `.venv/bin/python tests/policies/generate_fixtures.py` after changing a case; the fixture
test fails while a written fixture differs from its case.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fixture_cases import fixtures

POLICIES = Path(__file__).resolve().parents[2] / "policies" / "opa"


def render(document: object) -> str:
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def main() -> None:
    for relative, (document, _) in fixtures().items():
        (POLICIES / relative).write_text(render(document), encoding="utf-8")


if __name__ == "__main__":
    main()
