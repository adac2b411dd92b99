"""Client side of the realtime benchmarks: N Socket.IO participants in one room, edits at a rate.

`measure(server, participants, rate, seconds)` connects `participants` python-socketio
`AsyncClient`s (aiohttp, WebSocket transport only) in ONE asyncio event loop in this process,
has each `join` the room, then sends `command`s open-loop at `rate` per second from round-robin
participants, each with a fresh `command_id`. Every participant stamps `time.monotonic()` when a
`change` with that `command_id` arrives; an edit's latency is the last participant's receive time
minus its send time (one process, one monotonic clock: no clock skew). After the last send a
bounded drain (`drain` s) waits for stragglers; an edit acknowledged with ok but missing at any
participant after the drain is a lost edit; the drain ends as soon as every acked edit has
reached everyone, and the measured window (for the server's probes too) ends with it. Before
anything is sent, the room settles: an edit is sent and awaited everywhere (twice), so what
joining queued (replies, presence) has left the server's socket queues. A warm-up (`warmup` s
at the same rate) runs then and is excluded from the statistics.

With `probe_file` set (scripts/realtime_probe.py, run inside the server), the result also has
`server_loop_lag_p99_ms`/`server_loop_lag_max_ms` (a greenlet sleeping 10 ms: how late it
wakes) and `syncs`/`slow_syncs` (event-store commits, ≥ 50 ms)/`sync_max_ms` in the window.

The result also says whether the measurement can be trusted: `achieved_rate` (sends/s actually
made), `send_lag_max_ms` (how late the driver got against its schedule), `loop_lag_p99_ms` (how
late a 5 ms timer in the client loop fires), `client_cpu`/`server_cpu` (CPU s per wall s: 1.0 =
one core busy), `other_cpu` (every other process on the machine meanwhile; `noisy` when above a
quarter of its cores), `client_bound`, and `client_us_per_change` (client CPU per `change`). The
client handles a broadcast's frames one after another, so about participants ×
client_us_per_change of each fan-out latency is the client's own work (alike for every server).

The seam for other servers is `ServerHandle` — subclass it; nothing else needs to change:

- `url`, `namespace`, `pid` (server process id, for its CPU; None when unknown);
- `async prepare(participants)`: anything needed before connecting, e.g. sign in one person per
  participant over HTTP and keep their session cookies (for Samverkan: POST the sign-in form with
  an aiohttp session, keep `session` from its cookie jar);
- `connect_kwargs(i)`: extra `AsyncClient.connect()` kwargs for participant i — `headers`
  (e.g. `{"Cookie": "session=…"}`) and/or `auth`;
- `join_payload(i)` / `command_payload(i, seq, command_id)`: message bodies. For Samverkan a
  join is `{"plan_id", "budget_id"}`, a command is e.g. `change_amount` with `budget_id`,
  `line_id`, `year` and an amount that differs every time (a command that changes nothing is not
  broadcast); leave `expected_version` out, or concurrent edits of one cell come back
  `stale_edit`;
- `ack_ok(ack)` / `change_command_id(change)`: how to read an ack and a `change` event.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import resource
import time
from dataclasses import dataclass, field
from typing import Any
from uuid import uuid4

import orjson
import realtime_probe
import socketio


class _Json:
    """orjson behind the `json` module interface python-socketio uses (less client CPU)."""

    @staticmethod
    def dumps(obj: Any, **_: Any) -> str:
        return orjson.dumps(obj).decode()

    @staticmethod
    def loads(text: str | bytes) -> Any:
        return orjson.loads(text)


@dataclass
class ServerHandle:
    """A server to measure; the defaults fit scripts/realtime_baseline_server.py."""

    url: str
    namespace: str = "/live"
    plan_id: str = "bench"
    pid: int | None = None
    label: str = "server"
    probe_file: str | None = None  # where the server's probes write (scripts/realtime_probe.py)

    async def prepare(self, participants: int) -> None:
        """Before connecting: e.g. sign in one person per participant."""

    def connect_kwargs(self, participant: int) -> dict[str, Any]:
        return {}

    def url_for(self, participant: int) -> str:
        """Where the participant connects (several web processes: each takes its share)."""
        return self.url

    def join_payload(self, participant: int) -> dict[str, Any]:
        return {"plan_id": self.plan_id}

    def command_payload(self, participant: int, seq: int, command_id: str) -> dict[str, Any]:
        return {"command_id": command_id, "type": "change_amount", "plan_id": self.plan_id,
                "budget_id": self.plan_id, "line_id": str(uuid4()), "year": 2027 + seq % 3,
                "amount": 100_000 + seq}

    def ack_ok(self, ack: Any) -> bool:
        return isinstance(ack, dict) and ack.get("ok") is True

    def change_command_id(self, change: Any) -> str | None:
        return change.get("command_id") if isinstance(change, dict) else None


@dataclass
class _Edit:
    sent: float
    measured: bool
    ack: bool | None = None  # None until acknowledged
    acked_at: float = 0.0
    receivers: int = 0
    last: float = 0.0


@dataclass
class _Probe:
    """Event-loop lag: how late a short sleep wakes up, sampled while the load runs."""

    lags: list[float] = field(default_factory=list)

    async def run(self, until: float) -> None:
        while time.monotonic() < until:
            start = time.monotonic()
            await asyncio.sleep(0.005)
            self.lags.append(time.monotonic() - start - 0.005)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


def _cpu_seconds(pid: int | None) -> float | None:
    """utime + stime of a process (all its threads), from /proc; None where unavailable."""
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _machine_busy() -> float:
    """CPU seconds all processes have used (every core, /proc/stat); 0.0 where unavailable."""
    try:
        with open("/proc/stat") as stat:
            ticks = [int(x) for x in stat.readline().split()[1:8]]
    except (OSError, ValueError):
        return 0.0
    return (sum(ticks) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")  # minus idle, iowait


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _connect_all(server: ServerHandle, participants: int, edits: dict[str, _Edit],
                       timeout: float, presence: list[int]) -> list[socketio.AsyncClient]:
    clients: list[socketio.AsyncClient] = []
    gate = asyncio.Semaphore(20)

    def on_change_for(seen: set[str]):
        def on_change(change: Any) -> None:
            now = time.monotonic()
            command_id = server.change_command_id(change)
            edit = edits.get(command_id) if command_id else None
            if edit is not None and command_id not in seen:
                seen.add(command_id)
                edit.receivers += 1
                edit.last = max(edit.last, now)
        return on_change

    def on_presence(*_: Any) -> None:
        presence[0] += 1

    async def one(i: int) -> None:
        client = socketio.AsyncClient(reconnection=False, json=_Json, handle_sigint=False)
        client.on("change", on_change_for(set()), namespace=server.namespace)
        for event in ("presence", "presence_changed"):  # counted: what joining costs the room
            client.on(event, on_presence, namespace=server.namespace)
        clients.append(client)
        async with gate:
            await client.connect(server.url_for(i), transports=["websocket"],
                                 namespaces=[server.namespace],
                                 wait_timeout=10, **server.connect_kwargs(i))
            ack = await client.call("join", server.join_payload(i), namespace=server.namespace,
                                    timeout=10)
        if not server.ack_ok(ack):
            raise RuntimeError(f"participant {i} could not join: {ack!r}")

    try:
        await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(participants))), timeout)
    except BaseException:
        await _disconnect_all(clients)
        raise
    return clients


async def _disconnect_all(clients: list[socketio.AsyncClient]) -> None:
    with contextlib.suppress(Exception):
        await asyncio.wait_for(asyncio.gather(*(c.disconnect() for c in clients),
                                              return_exceptions=True), 10)


async def _settle(server: ServerHandle, clients: list[socketio.AsyncClient],
                  edits: dict[str, _Edit], timeout: float) -> None:
    """Wait until what joining sent (replies, presence) has left the server's queues: an edit
    sent now reaches every socket only after everything queued before it (each socket's queue
    is first in, first out). Twice, with a presence flush interval between."""
    for n in range(2):
        command_id = str(uuid4())
        edit = edits[command_id] = _Edit(sent=time.monotonic(), measured=False, ack=True)
        # A sequence number of its own: an edit that changes nothing is not broadcast.
        await clients[0].emit("command", server.command_payload(0, 10**6 + n, command_id),
                              namespace=server.namespace)
        deadline = time.monotonic() + timeout
        while edit.receivers < len(clients) and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.3)


async def measure_async(server: ServerHandle, participants: int, rate: float, seconds: float,
                        warmup: float = 1.0, drain: float = 15.0,
                        connect_timeout: float = 60.0) -> dict[str, Any]:
    await asyncio.wait_for(server.prepare(participants), connect_timeout)
    edits: dict[str, _Edit] = {}
    presence = [0]  # presence messages all participants received, joins to the end
    joining = time.monotonic()
    clients = await _connect_all(server, participants, edits, connect_timeout, presence)
    await _settle(server, clients, edits, connect_timeout)
    joined = {"join_s": round(time.monotonic() - joining, 1), "presence_messages_on_join":
              presence[0]}
    gc.collect()
    gc.disable()  # no collector pauses in the client while it stamps (bounded: one load)
    try:
        return {**await _drive(server, clients, edits, rate, seconds, warmup, drain), **joined,
                "presence_messages": presence[0]}
    finally:
        gc.enable()
        await _disconnect_all(clients)


async def _drive(server: ServerHandle, clients: list[socketio.AsyncClient], edits: dict[str, _Edit],
                 rate: float, seconds: float, warmup: float, drain: float) -> dict[str, Any]:
    participants, warm_n, total = len(clients), int(warmup * rate), int((warmup + seconds) * rate)
    probe = _Probe()

    def on_ack_for(edit: _Edit):
        def on_ack(*ack: Any) -> None:
            edit.acked_at = time.monotonic()
            edit.ack = server.ack_ok(ack[0] if ack else None)
        return on_ack

    start = time.monotonic() + 0.05
    probe_task = asyncio.create_task(probe.run(start + warmup + seconds + drain))
    sends: list[float] = []
    send_lag = 0.0
    cpu0, busy0, server0 = 0.0, 0.0, None
    window_start = start + warmup
    for seq in range(total):
        if seq == warm_n:  # the measured window starts here
            window_start = time.monotonic()
            cpu0, server0, busy0 = _own_cpu(), _cpu_seconds(server.pid), _machine_busy()
            probe.lags.clear()
        due = start + seq / rate
        if (delay := due - time.monotonic()) > 0:
            await asyncio.sleep(delay)
        client = clients[seq % participants]
        command_id = str(uuid4())
        payload = server.command_payload(seq % participants, seq, command_id)
        edit = edits[command_id] = _Edit(sent=time.monotonic(), measured=seq >= warm_n)
        send_lag = max(send_lag, edit.sent - due) if seq >= warm_n else 0.0
        if seq >= warm_n:
            sends.append(edit.sent)
        await client.emit("command", payload, namespace=server.namespace, callback=on_ack_for(edit))
    wall = time.monotonic() - sends[0] if sends else 0.0
    cpu_seconds, server1 = _own_cpu() - cpu0, _cpu_seconds(server.pid)
    cpu = cpu_seconds / wall if wall else 0.0
    server_cpu = (server1 - server0) / wall if wall and server0 is not None and server1 else None
    others = max(0.0, ((_machine_busy() - busy0) / wall if wall else 0.0) - cpu - (server_cpu or 0))
    lag_during_load = list(probe.lags)

    # Drain: the clock stops only once every acked edit has reached everyone (or `drain` s
    # passed); an edit acked but still missing somewhere then is lost.
    deadline = time.monotonic() + drain
    while time.monotonic() < deadline and any(
            e.ack is None or (e.ack and e.receivers < participants) for e in edits.values()):
        await asyncio.sleep(0.01)
    window_end = time.monotonic()
    drained_ms = round((window_end - (start + (warmup + seconds))) * 1000, 1)
    probe_task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await probe_task

    measured = [e for e in edits.values() if e.measured]
    acked = [e for e in measured if e.ack]
    complete = [e for e in acked if e.receivers >= participants]
    latencies = [(e.last - e.sent) * 1000 for e in complete]
    acks = [(e.acked_at - e.sent) * 1000 for e in acked]
    achieved = (len(sends) - 1) / (sends[-1] - sends[0]) if len(sends) > 1 else 0.0
    loop_lag = percentile(lag_during_load, 99) * 1000 if lag_during_load else 0.0
    return {
        "participants": participants, "rate": rate, "achieved_rate": round(achieved, 1),
        "seconds": seconds, "sent": len(measured), "acked": len(acked),
        "failed_acks": sum(1 for e in measured if e.ack is False),
        "unacked": sum(1 for e in measured if e.ack is None),
        "lost_edits": len(acked) - len(complete),
        "p50_ms": _ms(latencies, 50), "p95_ms": _ms(latencies, 95), "p99_ms": _ms(latencies, 99),
        "max_ms": round(max(latencies), 2) if latencies else None,
        "ack_p50_ms": _ms(acks, 50), "ack_p99_ms": _ms(acks, 99),
        "send_lag_max_ms": round(send_lag * 1000, 2), "loop_lag_p99_ms": round(loop_lag, 2),
        "client_cpu": round(cpu, 2),
        "client_us_per_change": round(cpu_seconds / max(1, len(measured) * participants) * 1e6, 1),
        "server_cpu": round(server_cpu, 2) if server_cpu is not None else None,
        # CPU per edit hardly depends on how busy the machine is, unlike latency.
        "server_cpu_ms_per_edit": (round(server_cpu * wall / len(measured) * 1000, 2)
                                   if server_cpu is not None and measured else None),
        "other_cpu": round(others, 2),
        "client_bound": cpu > 0.85 or loop_lag > 10 or achieved < 0.95 * rate,
        "noisy": others > 0.25 * (os.cpu_count() or 1),
        "drain_ms": drained_ms,
        **(realtime_probe.read(server.probe_file, window_start, window_end)
           if server.probe_file else {}),
    }


def _ms(values: list[float], q: float) -> float | None:
    return round(percentile(values, q), 2) if values else None


def measure(server: ServerHandle, participants: int, rate: float, seconds: float,
            **options: float) -> dict[str, Any]:
    """Run one load against `server` in a fresh event loop (uvloop's when installed: it costs the
    client about a third less CPU per `change`); see the module docstring."""
    work = measure_async(server, participants, rate, seconds, **options)
    try:
        import uvloop
    except ImportError:
        return {**asyncio.run(work), "client_loop": "asyncio"}
    return {**uvloop.run(work), "client_loop": "uvloop"}


def clock_overhead_us(samples: int = 100_000) -> float:
    """Cost of one time.monotonic() call, in µs (the stamping error is about this)."""
    started = time.perf_counter()
    for _ in range(samples):
        time.monotonic()
    return (time.perf_counter() - started) / samples * 1e6
