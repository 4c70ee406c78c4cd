"""The `capstan` command: demo, local up, send, status, history, outbox, rollback, scan, gate.

Bad input gets one line naming the field and the reason, and a non-zero exit; never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import UTC, datetime
from typing import Any

from capstan.workflow import ROOT
from capstan_local.cli_support import CliError, Parser, print_result, read_file

STATE_FILE = ROOT / ".capstan" / "local.json"


def _endpoint(args: argparse.Namespace) -> str:
    url = getattr(args, "endpoint", None) or os.environ.get("CAPSTAN_LOCAL_URL")
    if not url and STATE_FILE.exists():
        url = json.loads(STATE_FILE.read_text()).get("control")
    if not url:
        raise CliError("endpoint: no local stack is running; start one with `capstan local up`")
    return url.rstrip("/")


def _call(args: argparse.Namespace, path: str, body: bytes | None = None) -> tuple[int, Any]:
    url = _endpoint(args) + path
    req = urllib.request.Request(url, data=body, method="POST" if body is not None else "GET", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:  # noqa: S310 - our own loopback endpoint
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")
    except (urllib.error.URLError, ConnectionError) as exc:
        raise CliError(
            f"endpoint: the local stack at {url.split('/', 3)[2]} does not answer ({getattr(exc, 'reason', exc)}); "
            "start one with `capstan local up`"
        ) from None


def cmd_demo(args: argparse.Namespace) -> int:
    from capstan_local.demo import run_demo

    return run_demo(as_json=args.json, interactive=args.interactive)


def cmd_local_up(args: argparse.Namespace) -> int:
    from moto.server import ThreadedMotoServer

    from capstan_local.control import ControlServer
    from capstan_local.stack import LocalStack

    stack = LocalStack(time_scale=args.time_scale, approval_port=args.approval_port).start()
    control = ControlServer(stack, port=args.port).start()
    # The same moto backends, over HTTP, for the AWS CLI or boto3 in another process.
    aws = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    aws.start()
    host, port = aws.get_host_and_port()
    info = {
        "control": control.url,
        "approval": stack.approval.url,
        "aws": f"http://{host}:{port}",
        "stores": stack.sims.urls,
        "state_machines": stack.state_machines,
        "log": str(stack.log_path),
    }
    STATE_FILE.parent.mkdir(parents=True, exist_ok=True)
    STATE_FILE.write_text(json.dumps(info))
    if args.json:
        print(json.dumps(info), flush=True)
    else:
        print(
            f"Capstan local stack is up.\n  control  {control.url}\n  approval {stack.approval.url}\n  aws      {info['aws']}"
            "  (e.g. aws --endpoint-url ... stepfunctions list-executions)"
        )
        for store, url in stack.sims.urls.items():
            print(f"  {store:<9}{url}")
        print("Send events with `capstan send events/codecommit-push.json`; stop with Ctrl-C.", flush=True)
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    done.wait()
    aws.stop()
    control.stop()
    stack.stop()
    STATE_FILE.unlink(missing_ok=True)
    return 0


def cmd_send(args: argparse.Namespace) -> int:
    status, reply = _call(args, "/events", read_file(args.file, "FILE"))
    if status >= 400 and "deliveries" not in reply:
        raise CliError(f"refused: {reply.get('reason')}", 1)
    lines = []
    for d in reply["deliveries"]:
        what = d.get("execution_name") or ""
        lines.append(f"{d['rule']} -> {d['target']}: {d['status']} {what}{' (' + d['reason'] + ')' if d.get('reason') else ''}")
    print_result(args, reply, "\n".join(lines))
    return 0 if status < 400 else 1


def cmd_status(args: argparse.Namespace) -> int:
    _, rows = _call(args, "/executions")
    text = "\n".join(f"{r['flow']:<8} {r['name']:<34} {r['status']:<10} {r['states'][-1] if r['states'] else ''}" for r in rows)
    print_result(args, rows, text or "no executions yet")
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    _, rows = _call(args, "/ledger?" + urllib.parse.urlencode({"subject": args.subject} if args.subject else {}))
    text = "\n".join(f"{r['at']}  {r['subject']:<34} {r['kind']:<24} {r.get('actor') or ''}" for r in rows)
    print_result(args, rows, text or "no ledger entries")
    return 0


def cmd_outbox(args: argparse.Namespace) -> int:
    _, rows = _call(args, "/outbox")
    messages = [{"to": m["to"], "subject": m["subject"], "body": m["body"], "links": m["links"]} for m in rows]
    text = "\n\n".join(f"To: {m['to']}\nSubject: {m['subject']}\n\n{m['body']}" for m in messages)
    print_result(args, messages, text or "the outbox is empty")
    return 0


def cmd_rollback(args: argparse.Namespace) -> int:
    event = {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Rollback Requested",
        "source": "capstan.oncall",
        "account": "123456789012",
        "time": datetime.now(UTC).isoformat(),
        "region": "us-east-1",
        "resources": [],
        "detail": {
            "app_id": args.app,
            "requested_by": args.by,
            "reason": args.reason,
            **({"release_id": args.release} if args.release else {}),
        },
    }
    status, reply = _call(args, "/events", json.dumps(event).encode())
    if "deliveries" not in reply:
        raise CliError(f"refused: {reply.get('reason')}", 1)
    d = reply["deliveries"][0]
    print_result(args, reply, f"rollback {d['status']}: {d.get('execution_name') or d.get('reason')}")
    return 0 if status < 400 else 1


def parser() -> argparse.ArgumentParser:
    p = Parser(prog="capstan", description="Secure release orchestration for Capacitor apps.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=Parser)
    d = sub.add_parser("demo", help="a whole release and its rollback on the embedded local stack")
    d.add_argument("--json", action="store_true", help="print one JSON object (progress goes to stderr)")
    d.add_argument("--interactive", action="store_true", help="print the approval link and wait for a click in a browser")
    d.set_defaults(func=cmd_demo)
    local = sub.add_parser("local", help="the embedded local stack").add_subparsers(
        dest="local_command", required=True, parser_class=Parser
    )
    up = local.add_parser("up", help="run the local stack until Ctrl-C")
    up.add_argument("--json", action="store_true")
    up.add_argument("--port", type=int, default=0, help="control port (default: any free port)")
    up.add_argument("--approval-port", type=int, default=0)
    up.add_argument("--time-scale", type=float, default=0.01, help="factor for Wait states, retries and approval timeouts")
    up.set_defaults(func=cmd_local_up)
    for name, func, helptext in (
        ("status", cmd_status, "executions and where each stands"),
        ("outbox", cmd_outbox, "what SNS would have emailed"),
    ):
        c = sub.add_parser(name, help=helptext)
        c.add_argument("--json", action="store_true")
        c.add_argument("--endpoint")
        c.set_defaults(func=func)
    s = sub.add_parser("send", help="put an event file through the running local stack")
    s.add_argument("file")
    s.add_argument("--json", action="store_true")
    s.add_argument("--endpoint")
    s.set_defaults(func=cmd_send)
    h = sub.add_parser("history", help="the release ledger (of one subject, or all)")
    h.add_argument("subject", nargs="?")
    h.add_argument("--json", action="store_true")
    h.add_argument("--endpoint")
    h.set_defaults(func=cmd_history)
    r = sub.add_parser("rollback", help="ask for a rollback as an on-call engineer")
    r.add_argument("--app", required=True)
    r.add_argument("--by", required=True, help="who asks (must be on call for the app)")
    r.add_argument("--reason", required=True)
    r.add_argument("--release")
    r.add_argument("--json", action="store_true")
    r.add_argument("--endpoint")
    r.set_defaults(func=cmd_rollback)
    from capstan_local import gate_command, scan_command

    scan_command.register(sub)
    gate_command.register(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    try:
        args = parser().parse_args(argv)
        return args.func(args)
    except CliError as exc:
        print(f"capstan: error: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the promise: never a traceback; 2, since 1 means "the gate failed"
        print(f"capstan: error: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
