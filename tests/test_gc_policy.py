"""gc_policy.settle, in a process of its own (it changes the collector process-wide): what was
alive is frozen, the young generation is collected less often, and garbage cycles made
afterwards are still collected without an explicit gc.collect()."""

from __future__ import annotations

import subprocess
import sys

from edge_agent import const

PROBE = """
import gc, weakref
from edge_agent import gc_policy
before = gc_policy.stats()
assert before["frozen"] == 0, before
gc_policy.settle()
after = gc_policy.stats()
gone = []
class Node:
    pass
for _ in range(3):  # garbage cycles, each reported by a weakref callback when collected
    a, b = Node(), Node()
    a.other, b.other = b, a
    weakref.finalize(a, gone.append, 1)
    del a, b
keep = [[] for _ in range(3 * after["young_threshold"])]  # allocations that trigger collections
young_ran = gc_policy.stats()["collections"][0] > before["collections"][0]
print(after["frozen"], after["young_threshold"], len(gone), young_ran)
"""


def test_settle_freezes_what_is_alive_and_cycles_are_still_collected() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    frozen, threshold, collected, young_ran = done.stdout.split()
    assert int(frozen) > 1000  # the modules, classes and functions loaded so far
    assert int(threshold) == const.GC_YOUNG_THRESHOLD
    assert int(collected) == 3 and young_ran == "True"
