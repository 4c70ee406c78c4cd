"""What every `capstan` subcommand shares: the one-line error, the parser that raises it, reading files, printing."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, NoReturn


class CliError(Exception):
    """A one-line error for the user; exit code 2 unless said otherwise."""

    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise CliError(f"{self.prog}: {message}")


def read_file(path: str, field: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise CliError(f"{field}: cannot read {path} ({exc.strerror})") from None


def print_result(args: argparse.Namespace, data: Any, text: str) -> None:
    print(json.dumps(data, default=str) if getattr(args, "json", False) else text)
