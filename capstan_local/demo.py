"""`capstan demo`: a whole release and its rollback on the embedded local stack, with progress and a timeline."""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from capstan.workflow import ROOT
from capstan_local import approver
from capstan_local.stack import LocalStack
from capstan_local.timeline import render, timeline

EVENTS = ROOT / "events"


class Watcher(threading.Thread):
    """Prints each state as the execution enters it."""

    def __init__(self, stack: LocalStack, arn: str, say: Callable[[str], None], label: str):
        super().__init__(daemon=True)
        self.stack, self.arn, self.say, self.label = stack, arn, say, label
        self.stop_event = threading.Event()

    def run(self) -> None:
        seen, t0 = 0, time.monotonic()
        while True:
            states = self.stack.states_entered(self.arn)
            for name in states[seen:]:
                self.say(f"  [{self.label} {time.monotonic() - t0:6.2f}s] {name}")
            seen = len(states)
            if self.stop_event.is_set():
                return
            time.sleep(0.05)

    def finish(self) -> None:
        self.stop_event.set()
        self.join(timeout=5)


def _load(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text())


def run_demo(
    *, as_json: bool = False, interactive: bool = False, out: TextIO = sys.stdout, time_scale: float = 0.0005, state_dir: Path | None = None
) -> int:
    """Run push -> build -> gates -> approval -> uploads -> rollout, then an alarm and the rollback."""
    log = sys.stderr if as_json else out
    say = lambda text: print(text, file=log, flush=True)  # noqa: E731
    say("Capstan demo: starting the embedded local stack (moto, store simulators, approval page) ...")
    with LocalStack(time_scale=time_scale, state_dir=state_dir, on_progress=lambda m: say(f"    build | {m.split('] ', 1)[-1]}")) as stack:
        say(f"  approval page: {stack.approval.url}   stores: {', '.join(f'{k} {v}' for k, v in stack.sims.urls.items())}")
        push = _load("codecommit-push.json")
        say(f"\n1. Push: {push['detail']['repositoryName']} {push['detail']['referenceName']} @ {push['detail']['commitId'][:12]} by erin")
        started = stack.put_event(push)[0].result
        if started["status"] != "started":
            say(f"capstan: error: the push was {started['status']}: {started.get('reason')}")
            return 1
        release_arn = started["execution_arn"]
        watch = Watcher(stack, release_arn, say, "release")
        watch.start()
        desc = stack.wait(release_arn, 300, until=lambda _d: any(m["approver"] for m in stack.outbox.messages()))
        if desc["status"] != "RUNNING":
            watch.finish()
            say(f"capstan: error: the release ended {desc['status']} before approval; see `capstan history {started['execution_name']}`")
            return 1
        mail = next(m for m in stack.outbox.messages() if m["approver"] == "alice")
        say(f'\n2. Approval email to {mail["to"]}: "{mail["subject"]}" (link withheld from logs)')
        if interactive:
            print(f"\n   Open this link in a browser and decide:\n   {mail['links'][0]}\n", file=log, flush=True)
        else:
            reply = approver.decide(mail["links"][0], "approve")
            say(f"   alice opened the page and pressed Approve -> HTTP {reply.status}")
        desc = stack.wait(release_arn, 24 * 3600 if interactive else 300)
        watch.finish()
        release = {"id": started["execution_name"], "status": desc["status"], "states": stack.states_entered(release_arn)}
        say(f"\n   Release {release['id']}: {desc['status']}\n")
        say(render(timeline(stack.history(release_arn))))
        rollback: dict[str, Any] = {"id": None, "status": "NOT_STARTED", "states": []}
        if desc["status"] == "SUCCEEDED":
            alarm = _load("cloudwatch-alarm-state-change.json")
            name = alarm["detail"]["alarmName"]
            say(f"\n3. Alarm: {name} goes to ALARM ({alarm['detail']['state']['reason'][:60]}...)")
            stack.set_alarm(name, "ALARM", alarm["detail"]["state"]["reason"])
            t0 = time.monotonic()
            rb = stack.put_event(alarm)[0].result
            rwatch = Watcher(stack, rb["execution_arn"], say, "rollback")
            rwatch.start()
            rdesc = stack.wait(rb["execution_arn"], 120)
            rwatch.finish()
            rollback = {"id": rb["execution_name"], "status": rdesc["status"], "states": stack.states_entered(rb["execution_arn"])}
            say(f"\n   Rollback {rb['execution_name']}: {rdesc['status']} in {time.monotonic() - t0:.2f}s after the alarm event\n")
            say(render(timeline(stack.history(rb["execution_arn"]))))
        actions = [{"store": a["store"], "action": a["action"], "version": str(a["version"])} for a in stack.store_actions()]
        say("\nStore actions: " + "; ".join(f"{a['store']} {a['action']} {a['version']}" for a in actions))
        ok = release["status"] == "SUCCEEDED" and rollback["status"] == "SUCCEEDED"
        if as_json:
            print(json.dumps({"release": release, "rollback": rollback, "store_actions": actions}), file=out, flush=True)
        say(f"\nDemo {'complete' if ok else 'FAILED'}. Ledger and logs: {stack.state_dir}")
        return 0 if ok else 1
