"""Settings for the whole suite."""

from __future__ import annotations

import os

# argon2id with its cheapest parameters: hundreds of sign-ins per run would otherwise take
# minutes. The hash format and the checks are the same; production uses RFC 9106's profile.
os.environ.setdefault("SAMVERKAN_ARGON2_PROFILE", "CHEAPEST")
