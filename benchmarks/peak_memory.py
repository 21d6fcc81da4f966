"""The peak memory of the running benchmark, for the scripts beside this one."""

from __future__ import annotations

import resource


def peak_rss_mb() -> float:
    """This process's peak resident memory. Linux's VmHWM belongs to the program now running;
    ru_maxrss would carry the parent's over the fork and exec that started this run."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
