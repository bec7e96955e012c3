"""Hypothesis profiles for the robustness suite.

* ``ci`` (default): a bounded number of examples per reader so the whole property file runs in
  well under a minute on a shared runner.
* ``long``: 10,000 examples per reader, for the periodic fuzzing run
  (``HYPOTHESIS_PROFILE=long pytest -p no:xdist tests/robustness/test_hypothesis_readers.py``).
* ``dev``: a handful of examples while editing.

The per-example hang guard is a SIGALRM timer inside the tests (see
``test_hypothesis_readers.py``), not hypothesis' ``deadline``: on shared CI cores a wall-clock
deadline gives flaky failures, a 10-second alarm only fires on a real hang.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_COMMON = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    "print_blob": True,
}

# "ci" draws the same examples on every run (derandomize), so CI is reproducible and a failure is
# never a coin toss; "long" explores new random examples (HYPOTHESIS_PROFILE=long) to find bugs.
settings.register_profile("ci", max_examples=int(os.environ.get("WLR_GEO_HYPOTHESIS_EXAMPLES", "50")),
                          derandomize=True, **_COMMON)
settings.register_profile("long", max_examples=10_000, **_COMMON)
settings.register_profile("dev", max_examples=5, **_COMMON)

# Not loaded globally: only the property tests of this folder apply the profile named by
# HYPOTHESIS_PROFILE (default "ci"), so other test files keep their own example counts.
