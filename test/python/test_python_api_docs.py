"""docs/python-api.md is what scripts/gen-python-api.py generates from the
package's current docstrings (regenerate: /usr/bin/python3
scripts/gen-python-api.py)."""

import os
import subprocess
import sys

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def test_python_api_docs_up_to_date(tmp_path):
    out = tmp_path / "python-api.md"
    subprocess.run([sys.executable, os.path.join(REPO, "scripts",
                                                 "gen-python-api.py"),
                    str(out)], check=True, capture_output=True)
    with open(os.path.join(REPO, "docs", "python-api.md")) as f:
        committed = f.read()
    assert out.read_text() == committed, \
        "docs/python-api.md is stale: run scripts/gen-python-api.py"
