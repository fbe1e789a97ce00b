"""What the benchmark and the scale study report of the machine and of memory use."""

from __future__ import annotations

import contextlib
import os
import resource
from typing import Any


def peak_rss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # kilobytes on Linux


def own_peak_rss_mb() -> float:
    """This process's peak resident memory since its exec (VmHWM; ru_maxrss would also count
    the parent it was forked from)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return peak_rss_mb(resource.RUSAGE_SELF)


def machine_facts() -> dict[str, Any]:
    facts: dict[str, Any] = {"cpus": os.cpu_count()}
    with contextlib.suppress(OSError):
        facts["load_average"] = [round(x, 2) for x in os.getloadavg()]
    try:
        import torch

        facts["torch_threads"] = torch.get_num_threads()
    except ImportError:
        pass
    return facts
