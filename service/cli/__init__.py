"""The ``leadjobs`` command: run the service, manage keys, and act as an API client."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

from service.cli import client, keys, maintenance, serve
from service.cli.common import CliError

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    """Usage mistakes print one line, like every other CLI error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="leadjobs", description="Background jobs for B2B lead generation.")
    commands = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=_Parser
    )
    serve.register(commands)
    keys.register(commands)
    maintenance.register(commands)
    client.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.run(args)
    except CliError as exc:
        print(f"leadjobs: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    return code
