"""`make bench`: Capstan's performance figures as JSON lines (one object per measurement)."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from capstan.workflow import ALL_FUNCTIONS, ROOT


def emit(name: str, value: float, unit: str, **extra) -> None:
    print(json.dumps({"bench": name, "value": round(value, 4), "unit": unit, **extra}), flush=True)


def cold_imports(repeats: int = 3) -> None:
    """Import time of each handler module in a fresh interpreter, as a Lambda cold start pays it."""
    for name in ALL_FUNCTIONS:
        code = f"import time; t = time.perf_counter(); import functions.{name}.app; print(time.perf_counter() - t)"
        samples = [
            float(subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout)
            for _ in range(repeats)
        ]
        emit("handler_cold_import", statistics.median(samples) * 1000, "ms", function=name, repeats=repeats)


def release_and_rollback() -> None:
    """Wall time of one local release (real build of the sample) and one rollback; transitions per release."""
    sys.path.insert(0, str(ROOT / "tests"))
    sys.path.insert(0, str(ROOT / "tests" / "e2e"))
    from flows import alarm, release_until_approved  # the same drivers the e2e tests use

    from capstan_local.stack import LocalStack

    with tempfile.TemporaryDirectory() as tmp, LocalStack(time_scale=0.0001, state_dir=Path(tmp)) as stack:
        t0 = time.perf_counter()
        arn, _ = release_until_approved(stack)
        desc = stack.wait(arn, 300)
        wall = time.perf_counter() - t0
        history = stack.history(arn)
        entered = [e for e in history if e["type"].endswith("StateEntered")]
        build = next(e for e in history if e["type"] == "TaskStateExited" and e["stateExitedEventDetails"]["name"] == "Start build")
        started = next(e for e in history if e["type"] == "TaskStateEntered" and e["stateEnteredEventDetails"]["name"] == "Start build")
        emit(
            "release_wall",
            wall,
            "s",
            status=desc["status"],
            waits="scaled by 1e-4",
            build_s=round((build["timestamp"] - started["timestamp"]).total_seconds(), 3),
        )
        emit("release_state_transitions", len(entered), "states", history_events=len(history))
        t0 = time.perf_counter()
        rb = alarm(stack)
        rdesc = stack.wait(rb["execution_arn"], 120)
        emit("rollback_wall", time.perf_counter() - t0, "s", status=rdesc["status"], from_event="alarm state change")
        emit("rollback_state_transitions", len(stack.states_entered(rb["execution_arn"])), "states")


def main() -> None:
    from capstan_local import bench_scan, bench_tests

    cold_imports()
    release_and_rollback()
    bench_tests.main()
    bench_scan.main()


if __name__ == "__main__":
    main()
