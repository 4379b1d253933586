from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from rca.cli import main

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SHARED = ROOT.parent / "shared" / "datasets"
SAMPLE = ROOT / "sample_logs"

LOGHUB_SYSTEMS = (
    "Android", "Apache", "BGL", "HDFS", "HPC", "Hadoop", "Linux", "OpenSSH", "OpenStack", "Spark", "Windows",
    "Zookeeper",
)  # fmt: skip


def run(args: list[str], stdin: str | bytes | None = None, columns: int = 80) -> Result:
    return CliRunner().invoke(main, args, input=stdin, catch_exceptions=False, env={"COLUMNS": str(columns)})


@pytest.fixture
def write(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Write text (or bytes) to a file under tmp_path and return its path as a string."""

    def _write(name: str, content: str | bytes) -> str:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return str(path)

    return _write
