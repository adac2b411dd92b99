"""The drain behind a graceful stop: commands under way finish first, later ones are `busy`."""

from __future__ import annotations

import threading
import time

import pytest

from domain.errors import Busy
from web.draining import Drain


def test_stopping_waits_for_the_command_under_way() -> None:
    drain, started, finished = Drain(), threading.Event(), []

    def command() -> None:
        with drain.command():
            started.set()
            time.sleep(0.3)
            finished.append(time.monotonic())

    worker = threading.Thread(target=command)
    worker.start()
    started.wait(5)
    assert drain.stop_taking_commands(timeout=5) is True
    stopped = time.monotonic()
    worker.join(5)
    assert finished and finished[0] <= stopped


def test_a_command_that_comes_while_stopping_is_busy_and_runs_nothing() -> None:
    drain = Drain()
    drain.stop_taking_commands(timeout=1)
    ran = []
    with pytest.raises(Busy) as refused, drain.command():
        ran.append(1)
    assert ran == []
    assert refused.value.details["stopping"] is True and refused.value.details["retry_after"] > 0


def test_stopping_gives_up_waiting_after_its_grace() -> None:
    drain, release = Drain(), threading.Event()

    def stuck() -> None:
        with drain.command():
            release.wait(10)

    worker = threading.Thread(target=stuck)
    worker.start()
    time.sleep(0.05)
    began = time.monotonic()
    try:
        assert drain.stop_taking_commands(timeout=0.2) is False
        assert time.monotonic() - began < 2
    finally:
        release.set()
        worker.join(5)
