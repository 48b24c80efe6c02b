"""The page's small local settings file: the last ledgers and output folder.

Kept in the user's own configuration folder (SASAEAI_CONFIG_DIR overrides),
written atomically. Never holds a password.
"""
from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ..render.output import atomic_write

RECENT_LIMIT = 8
FILENAME = "web-settings.json"


def config_dir() -> Path:
    """Where the settings and uploaded ledgers live for this user."""
    override = os.environ.get("SASAEAI_CONFIG_DIR")
    if override:
        return Path(override)
    if sys.platform == "win32" and os.environ.get("APPDATA"):
        return Path(os.environ["APPDATA"]) / "sasaeai"
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "sasaeai"


@dataclass
class WebSettings:
    recent: list[str] = field(default_factory=list)     # ledger paths, newest first
    out_dir: str = ""

    @classmethod
    def load(cls, folder: Path | None = None) -> "WebSettings":
        path = (folder or config_dir()) / FILENAME
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls()
        if not isinstance(data, dict):
            return cls()
        recent = [str(p) for p in data.get("recent", []) if isinstance(p, str)]
        return cls(recent=recent[:RECENT_LIMIT], out_dir=str(data.get("out_dir", "") or ""))

    def save(self, folder: Path | None = None) -> None:
        data = {"recent": self.recent[:RECENT_LIMIT], "out_dir": self.out_dir}
        atomic_write((folder or config_dir()) / FILENAME,
                     (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))

    def remember(self, ledger: str) -> None:
        self.recent = [ledger] + [p for p in self.recent if p != ledger]
        self.recent = self.recent[:RECENT_LIMIT]
