"""deploy/systemd's units pass `systemd-analyze verify` (every key known and in its
section, the dependencies found, the command there), as an operator installs them
with only the path of the `motcua` command changed to this checkout's."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from harness.server_process import REPO

UNITS = REPO / "deploy" / "systemd"
INSTALLED = "/opt/motcua/.venv/bin/motcua"


def test_the_units_verify(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze not found (Debian's systemd package)")
    motcua = Path(sys.executable).parent / "motcua"
    assert motcua.exists()
    installed = {
        "motcua-migrate.service": "motcua-migrate.service",
        "motcua@8000.service": "motcua@.service",  # an instance of the template
    }
    for name, source in installed.items():
        text = (UNITS / source).read_text()
        assert INSTALLED in text
        (tmp_path / name).write_text(text.replace(INSTALLED, str(motcua)))
    done = subprocess.run(
        [analyze, "verify", "--man=no", *(str(tmp_path / n) for n in installed)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        # Requires=motcua-migrate.service is found beside the instance.
        env={**os.environ, "SYSTEMD_UNIT_PATH": f"{tmp_path}:"},
    )
    assert (done.returncode, done.stdout + done.stderr) == (0, "")
