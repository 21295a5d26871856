"""Progress reporting shared by the command line (a tqdm bar) and the web (a BackgroundTask row).

Long services take a `progress` argument and call `progress.advance(n)` / `progress.set_total(n)` /
`progress.say("…")`; they never know whether a person watches a terminal or a page.
"""

import time

from django.utils import timezone
from tqdm import tqdm


class NullProgress:
    def set_total(self, total: int | None) -> None:
        pass

    def advance(self, n: int = 1) -> None:
        pass

    def say(self, message: str) -> None:
        pass

    def close(self) -> None:
        pass


class BarProgress(NullProgress):
    """A tqdm progress bar on stderr (command-line tools); silent when stderr is not a terminal."""

    def __init__(self, description: str, *, total: int | None = None, disable: bool | None = None, unit: str = "it"):
        self.bar = tqdm(total=total, desc=description, unit=unit, disable=disable, dynamic_ncols=True)

    def set_total(self, total):
        self.bar.total = total
        self.bar.refresh()

    def advance(self, n=1):
        self.bar.update(n)

    def say(self, message):
        self.bar.set_postfix_str(message, refresh=True)

    def close(self):
        self.bar.close()


class TaskProgress(NullProgress):
    """Writes progress to a BackgroundTask row, at most every `interval` seconds."""

    def __init__(self, task, *, interval: float = 0.5):
        self.task = task
        self.interval = interval
        self._last_write = 0.0

    def _write(self, force: bool = False, **fields):
        for name, value in fields.items():
            setattr(self.task, name, value)
        now = time.monotonic()
        if force or now - self._last_write >= self.interval:
            self._last_write = now
            type(self.task)._base_manager.filter(pk=self.task.pk).update(
                done=self.task.done, total=self.task.total, message=self.task.message
            )

    def set_total(self, total):
        self._write(force=True, total=total)

    def advance(self, n=1):
        self._write(done=self.task.done + n)

    def say(self, message):
        self._write(force=True, message=message)

    def close(self):
        self._write(force=True)


def mark(task, **fields) -> None:
    """Set fields of a task row right away (status changes)."""
    for name, value in fields.items():
        setattr(task, name, value)
    type(task)._base_manager.filter(pk=task.pk).update(**fields)


def now():
    return timezone.now()
