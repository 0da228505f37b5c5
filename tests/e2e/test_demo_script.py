"""tools/demo.sh picks three users under `set -euo pipefail`, however big the data is."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from personalize_movielens.paths import project_root


def users_line() -> str:
    script = (project_root() / "tools" / "demo.sh").read_text()
    [line] = [m for m in script.splitlines() if re.match(r'USERS="\$\(', m)]
    return line


def test_user_pick_survives_pipefail_on_large_data(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    rows = [f'"{u}",{u % 97},{1_500_000_000 + u}' for u in range(60_000, 0, -1)]
    (data / "interactions.csv").write_text("USER_ID,ITEM_ID,TIMESTAMP\n" + "\n".join(rows) + "\n")
    script = f'set -euo pipefail\nDATA="{data}"\n{users_line()}\nprintf "%s\\n" "$USERS"\n'
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr  # a `| head` here exited 141 (SIGPIPE)
    assert done.stdout.split() == ["60000", "59999", "59998"]  # the first three, unquoted
