"""The generated cases' count knob, shared by the test files.

NNINIT_PYTHON_CASES (a fraction in (0, 1], default 1) scales how many generated cases each test runs; the
cases kept are the first of the full list, with the same seeds, so a reduced run is a subset of a full one.
The runs in the PyTorch 2.x chroots use it to keep the whole test suite short.
"""

import os


def cases(count):
    """range() over the first NNINIT_PYTHON_CASES of `count` generated cases (at least one)."""
    fraction = float(os.environ.get("NNINIT_PYTHON_CASES", "1"))
    if not 0 < fraction <= 1:
        raise ValueError(f"NNINIT_PYTHON_CASES must be a fraction in (0, 1], not {fraction}")
    return range(max(1, round(count * fraction)))
