"""`serve --reload`: poll a policy folder; a changed policy replaces the running one only if it passes check.

Polling (file names, sizes and modification times, once a second) needs no new
dependency and works on every file system. The check runs in a worker thread,
so requests keep being answered by the old policy meanwhile; a policy with
errors is logged with its diagnostics and never served. Nothing here writes.
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Callable, Optional, Tuple

from .. import check_policy
from ..engine import Policy

Snapshot = Tuple[Tuple[str, int, int], ...]


def snapshot(folder: Path) -> Snapshot:
    """(relative path, size, mtime in ns) of every file of the folder, sorted: any edit changes it."""
    found = []
    for path in folder.rglob("*"):
        try:
            if path.is_file():
                stat = path.stat()
                found.append((str(path.relative_to(folder)), stat.st_size, stat.st_mtime_ns))
        except OSError:  # a file removed while we looked: the next poll sees the folder as it is
            continue
    return tuple(sorted(found))


class PolicyWatcher:
    """Polls ``folder`` and calls ``replace`` (in a worker thread) with each newly checked policy."""

    def __init__(self, folder: Path, replace: Callable[[Policy], None], log: logging.Logger, interval: float = 1.0) -> None:
        self.folder = Path(folder)
        self.replace = replace
        self.log = log
        self.interval = interval
        self.task: Optional[asyncio.Task] = None

    def start(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self.run())

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            try:
                await self.task
            except asyncio.CancelledError:
                pass

    async def run(self) -> None:
        seen = await asyncio.to_thread(snapshot, self.folder)
        while True:
            await asyncio.sleep(self.interval)
            try:
                now = await asyncio.to_thread(snapshot, self.folder)
                if now == seen:
                    continue
                seen = now
                await self.reload()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the watcher must outlive any surprise; the old policy keeps serving
                self.log.error(json.dumps({"event": "policy_reload_failed", "error": exc.__class__.__name__}))

    async def reload(self) -> bool:
        policy, diagnostics = await asyncio.to_thread(check_policy, self.folder)
        if policy is None:
            self.log.warning(json.dumps({
                "event": "policy_rejected", "folder": str(self.folder),
                "diagnostics": [d.to_dict("en") for d in diagnostics if d.severity == "error"],
                "kept": "the running policy"}, ensure_ascii=False, default=str))
            return False
        await asyncio.to_thread(self.replace, policy)  # documents for the new policy are built off the loop too
        self.log.info(json.dumps({"event": "policy_reloaded", "folder": str(self.folder),
                                  "policy": policy.ref.to_dict()}, ensure_ascii=False))
        return True
