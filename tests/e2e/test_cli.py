"""The `samverkan` command: demo, projections rebuild, serve."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.e2e.auth_helpers import DEMO_PASSWORD, http_sign_in
from tests.stores import point_environment_at, store_settings
from web.cli import cli


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    point_environment_at(monkeypatch, tmp_path / "var")
    monkeypatch.setenv("SAMVERKAN_DEMO_PASSWORD", DEMO_PASSWORD)
    return dict(os.environ)


def test_demo_loads_the_plan_and_lists_the_demo_accounts_with_their_password(
        env: dict[str, str]) -> None:
    result = CliRunner().invoke(cli, ["demo"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "Loaded the demo plan (135 events)" in result.output
    assert (f"Demo accounts (sign in with the e-mail address and the password '{DEMO_PASSWORD}'):"
            in result.output)
    lines = result.output.splitlines()
    assert "  anna.berg@ljusdal.example.se             Anna Berg – facilitator, Ljusdals kommun" in lines
    assert "  gunnar.persson@ljusdal.example.se        Gunnar Persson – observer" in lines


def test_demo_refuses_a_store_that_has_events_unless_forced(env: dict[str, str]) -> None:
    runner = CliRunner()
    assert runner.invoke(cli, ["demo"]).exit_code == 0
    again = runner.invoke(cli, ["demo"])
    assert again.exit_code != 0
    assert "already has events" in again.output


def test_rebuild_shows_progress_and_reaches_the_end_of_the_log(env: dict[str, str]) -> None:
    runner = CliRunner()
    runner.invoke(cli, ["demo"], catch_exceptions=False)
    result = runner.invoke(cli, ["projections", "rebuild"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "Rebuilding read models" in result.output
    assert "Rebuilt every read model up to event #135." in result.output


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_loads_the_demo_on_an_empty_store_and_answers(env: dict[str, str]) -> None:
    port = _free_port()
    command = [sys.executable, "-m", "web.entry", "serve"]
    server = subprocess.Popen(command, env={**env, "PORT": str(port)}, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline, page = time.monotonic() + 30, None
        while time.monotonic() < deadline and page is None:
            try:
                with urllib.request.urlopen(f"{url}/", timeout=2) as reply:
                    page, landed = reply.read().decode(), reply.url
            except OSError:
                time.sleep(0.2)
        assert page is not None, "the server did not answer within 30 s"
        assert urllib.parse.urlparse(landed).path == "/sign-in"  # nothing to read before it
        anna = http_sign_in(url, "anna.berg@ljusdal.example.se")  # with the demo password
        with anna.open(f"{url}/", timeout=5) as reply:
            assert "Serviceplan Ramsjö" in reply.read().decode()
    finally:
        server.terminate()
        output = server.communicate(timeout=10)[0]
    assert f"http://127.0.0.1:{port}/" in output
    assert f"the password '{DEMO_PASSWORD}'" in output
    assert "anna.berg@ljusdal.example.se" in output and "Anna Berg" in output


def _serve(env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "web.entry", "serve"],
                              env={**env, "PORT": str(port)}, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    return server, f"http://127.0.0.1:{port}"


def _first_answer(url: str) -> str:
    """Where GET / lands once the server answers."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/", timeout=2) as reply:
                return urllib.parse.urlparse(reply.url).path
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the server did not answer within 30 s")


def test_with_the_demo_off_serve_loads_nothing_and_sends_everyone_to_setup(
        env: dict[str, str], tmp_path: Path) -> None:
    server, url = _serve({**env, "SAMVERKAN_DEMO": "off"})
    try:
        assert _first_answer(url) == "/setup"
        with urllib.request.urlopen(f"{url}/sign-in?lang=en", timeout=5) as reply:
            assert urllib.parse.urlparse(reply.url).path == "/setup"
            page = reply.read().decode()
        assert "Set up Samverkan" in page and "demo" not in page.lower()
    finally:
        server.terminate()
        output = server.communicate(timeout=10)[0]
    assert f"Nobody has an account yet: open {url}/setup" in output
    assert "Demo accounts" not in output and "loading the demo" not in output
    from adapters.bootstrap import bootstrap

    system = bootstrap(store_settings(tmp_path / "var"))
    try:
        assert not system.app.recorder.max_notification_id()
        assert system.people.all() == []
    finally:
        system.close()


def test_with_the_demo_off_an_explicit_samverkan_demo_still_loads_it(
        env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAMVERKAN_DEMO", "off")
    result = CliRunner().invoke(cli, ["demo"], catch_exceptions=False)
    assert result.exit_code == 0 and "Loaded the demo plan" in result.output


@pytest.mark.parametrize(("name", "value", "said"), [
    ("SAMVERKAN_DEMO", "maybe", "SAMVERKAN_DEMO takes on or off"),
    ("SAMVERKAN_BASE_URL", "samverkan.example.se", "SAMVERKAN_BASE_URL takes an address"),
    ("SAMVERKAN_BASE_URL", "https://example.se/?x=1", "SAMVERKAN_BASE_URL takes an address"),
])
def test_a_wrong_setting_is_refused_with_its_name(name: str, value: str, said: str) -> None:
    from adapters.settings import Settings

    with pytest.raises(ValueError, match=said):
        Settings.from_env({name: value})


@pytest.mark.parametrize(("value", "demo"), [("off", False), ("OFF", False), ("no", False),
                                             ("on", True), ("", True)])
def test_the_demo_setting_reads_on_and_off(value: str, demo: bool) -> None:
    from adapters.settings import Settings

    settings = Settings.from_env({"SAMVERKAN_DEMO": value})
    assert settings.demo is demo
    assert settings.base_url == "http://127.0.0.1:5000"
