"""Reading goes one way: each module of rca/read imports only modules earlier in the flow."""

from __future__ import annotations

import ast
from pathlib import Path

READ = Path(__file__).resolve().parent.parent / "rca" / "read"
# The flow, earliest first: shared vocabulary and shapes, then one step per module.
ORDER = (
    "words", "timestamps", "sources", "lines", "layouts", "structured", "infer", "choose", "fields", "time", "levels",
    "services", "records", "ingest",
)  # fmt: skip


def _imports(module: str) -> set[str]:
    tree = ast.parse((READ / f"{module}.py").read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module.startswith("rca.read."):
                found.add(node.module.split(".")[2])
            elif node.module == "rca.read":
                found.update(alias.name for alias in node.names)
    return found


def test_every_read_module_is_in_the_flow() -> None:
    assert {p.stem for p in READ.glob("*.py")} - {"__init__"} == set(ORDER)


def test_each_step_imports_only_earlier_steps() -> None:
    for i, module in enumerate(ORDER):
        later = _imports(module) - set(ORDER[:i])
        assert not later, f"rca/read/{module}.py imports {sorted(later)}, which come later in the flow"
