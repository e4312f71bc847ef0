"""Write the generated programs whose reference runs are recorded (tests/aqua/generated/).

`python3 tests/aqua/tools/make_generated.py OUT FIRST COUNT` writes `g-SEED/main.aqua` and
`g-SEED/input.json` for seeds FIRST..FIRST+COUNT-1 (tests/aqua/generator.py's
`from_seed`); the oracle then compiles each with Fluence's compiler and records AquaVM's
run (see ../generated/README.md). Run from the project's root.
"""

from __future__ import annotations

import json
import os
import sys

sys.path.insert(0, os.getcwd())

from tests.aqua.generator import case_input, from_seed  # noqa: E402


def write(out: str, first: int, count: int) -> None:
    for seed in range(first, first + count):
        d = os.path.join(out, f"g-{seed:03d}")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "main.aqua"), "w") as f:
            f.write(from_seed(seed))
        with open(os.path.join(d, "input.json"), "w") as f:
            json.dump(case_input(), f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    write(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
