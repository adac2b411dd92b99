"""Shares: integer basis points (10 000 = 100 %), and öre split by them exactly."""

from __future__ import annotations

FULL_SHARE = 10_000


def split_amount(amount: int, shares: dict[str, int]) -> tuple[dict[str, int], int]:
    """Split öre by basis-point shares: each actor's part and what is left unallocated.

    The shared total is rounded down to whole öre and divided by largest remainder, so the
    parts always add up exactly (100 % shared leaves nothing unallocated).
    """
    shares = {actor: bps for actor, bps in shares.items() if bps}
    shared = amount * sum(shares.values()) // FULL_SHARE
    exact = {actor: amount * bps for actor, bps in shares.items()}
    parts = {actor: value // FULL_SHARE for actor, value in exact.items()}
    leftover = shared - sum(parts.values())
    by_remainder = sorted(shares, key=lambda a: (-(exact[a] % FULL_SHARE), a))
    for actor in by_remainder[:leftover]:
        parts[actor] += 1
    return parts, amount - shared
