"""One long job at a time (the monthly batch, sending), run in a thread, its progress polled."""
from __future__ import annotations

import threading
import traceback
from dataclasses import dataclass, field
from typing import Callable

from .. import messages
from ..errors import SasaeaiError


@dataclass
class Job:
    """A job's state as the page shows it."""

    kind: str
    total: int = 0
    done: int = 0
    finished: bool = False
    error: str = ""
    result: object = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def snapshot(self) -> dict:
        with self.lock:
            return {"kind": self.kind, "total": self.total, "done": self.done, "finished": self.finished,
                    "error": self.error}


class JobRunner:
    """Starts jobs in a thread; refuses a second one while the first runs."""

    def __init__(self):
        self.current: Job | None = None
        self._lock = threading.Lock()

    def busy(self) -> bool:
        return self.current is not None and not self.current.finished

    def start(self, kind: str, work: Callable[[Callable[[int], None], Callable[[int], None]], object]) -> Job:
        """Run work(progress, on_total) in a thread; SasaeaiError becomes the job's Japanese error."""
        with self._lock:
            if self.busy():
                raise SasaeaiError(messages.WEB_BUSY)
            job = self.current = Job(kind)

        def on_total(total: int) -> None:
            with job.lock:
                job.total = total

        def progress(n: int) -> None:
            with job.lock:
                job.done += n

        def run() -> None:
            try:
                result = work(progress, on_total)
                with job.lock:
                    job.result = result
            except SasaeaiError as exc:
                with job.lock:
                    job.error = exc.message
            except Exception as exc:  # noqa: BLE001 - a bug of ours: the page says so, the console has detail
                traceback.print_exc()
                with job.lock:
                    job.error = messages.WEB_UNEXPECTED.format(error=f"{type(exc).__name__}: {exc}")
            finally:
                with job.lock:
                    job.done = max(job.done, job.total)
                    job.finished = True

        threading.Thread(target=run, name=f"sasaeai-{kind}", daemon=True).start()
        return job
