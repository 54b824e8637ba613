"""Remove outputs, execution counts and widget state from notebooks (in place).

    python notebooks/_strip.py                 # every notebook in notebooks/
    python notebooks/_strip.py path/to/x.ipynb

Exit code 1 when a file had to be cleaned (usable as a pre-commit check).
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat


def strip(path: str | Path) -> bool:
    """Clean one notebook file; return True when it changed."""
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    changed = nb.metadata.pop("widgets", None) is not None
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if cell.get("outputs") or cell.get("execution_count") is not None:
            changed = True
        cell.outputs = []
        cell.execution_count = None
        for key in ("execution", "collapsed", "scrolled"):
            changed |= cell.metadata.pop(key, None) is not None
    if changed:
        nbformat.write(nb, path)
    return changed


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or sorted(Path(__file__).parent.glob("*.ipynb"))
    cleaned = [p for p in paths if strip(p)]
    for p in cleaned:
        print(f"stripped {p}")
    return 1 if cleaned else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
