"""Resident memory of the current process, with the standard library only.

``resource.getrusage().ru_maxrss`` is not usable in a child process: Linux
carries the parent's peak over ``fork`` + ``exec``, so a child of a large
harness process reports the harness's peak. ``/proc/self/status`` has the
current process's own high-water mark (``VmHWM``) and current RSS (``VmRSS``).
"""

from __future__ import annotations

import resource


def _status(key: str) -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def peak_rss_kib() -> int:
    """Peak resident set size of this process in KiB (``VmHWM``; ``ru_maxrss`` elsewhere)."""
    hwm = _status("VmHWM")
    return hwm if hwm is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def rss_kib() -> int:
    """Current resident set size in KiB (``VmRSS``; the peak where /proc is missing)."""
    cur = _status("VmRSS")
    return cur if cur is not None else peak_rss_kib()
