"""`subsidy-rules serve`: check the safety options, load the policy once, run uvicorn.

Binding anything but a loopback address needs bearer tokens (`--tokens FILE`)
or an explicit `--no-auth`, which prints a warning: claims carry names and ID
numbers. Logs go to standard output as JSON lines (one per request, plus reload
events); uvicorn's own start-up lines go to standard error.
"""

from __future__ import annotations

import ipaddress
import logging
import sys
from pathlib import Path
from typing import List, Optional, Sequence, TextIO, Tuple

import attrs

from .. import load_policy
from ..errors import ClaimError
from ..resources import bundled_policy_dir
from ..messages import SERVER, render
from .api import Limits
from .app import ServerOptions, build_app

EXIT_OK, EXIT_BAD_INPUT = 0, 2

CODES = {
    "needs_auth": "S020",
    "both": "S021",
    "no_auth": "S022",
    "tokens": "S023",
    "empty": "S024",
    "space": "S025",
    "serving": "S026",
    "on": "S027",
    "off": "S028",
}


def _word(key: str, lang: str, **args: object) -> str:
    return render(SERVER, CODES[key], lang, dict(args))


@attrs.frozen
class ServeArgs:
    policy: Optional[str] = None
    host: str = "127.0.0.1"
    port: int = 8000
    reload: bool = False
    tokens: Optional[str] = None
    no_auth: bool = False
    cors_origin: Tuple[str, ...] = ()
    max_body: int = Limits().max_body
    body_timeout: float = Limits().body_timeout
    lang: str = "zh"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def read_tokens(path: str, lang: str) -> List[str]:
    """Bearer tokens, one per line; blank lines and lines starting with # are skipped."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ClaimError("C011", "", detail=f"{path}: {getattr(exc, 'strerror', None) or exc.__class__.__name__}") from None
    tokens = []
    for number, line in enumerate(text.splitlines(), 1):
        token = line.strip()
        if not token or token.startswith("#"):
            continue
        if any(ch.isspace() for ch in token):
            raise ValueError(_word("space", lang, line=number))
        tokens.append(token)
    if not tokens:
        raise ValueError(_word("empty", lang))
    return tokens


def options_for(args: ServeArgs, err: TextIO) -> Optional[ServerOptions]:
    """The server options, or None (after saying why) when the command line is unsafe or wrong."""
    if args.tokens and args.no_auth:
        err.write(_word("both", args.lang) + "\n")
        return None
    tokens: Sequence[str] = ()
    if args.tokens:
        try:
            tokens = read_tokens(args.tokens, args.lang)
        except ValueError as exc:
            err.write(_word("tokens", args.lang, path=args.tokens, detail=exc) + "\n")
            return None
    if not tokens and not is_loopback(args.host):
        if not args.no_auth:
            err.write(_word("needs_auth", args.lang, host=args.host) + "\n")
            return None
    if args.no_auth:
        err.write(_word("no_auth", args.lang, host=args.host, port=args.port) + "\n")
    directory = Path(args.policy) if args.policy else bundled_policy_dir()
    return ServerOptions(limits=Limits(max_body=args.max_body, body_timeout=args.body_timeout),
                         tokens=tuple(tokens), cors_origins=tuple(args.cors_origin),
                         reload_dir=directory if args.reload else None)


def configure_logging(stream: TextIO) -> None:
    """Our JSON lines, bare, on ``stream`` (standard output by default)."""
    logger = logging.getLogger("subsidy_rules.server")
    if not any(getattr(h, "_subsidy_rules", False) for h in logger.handlers):
        handler = logging.StreamHandler(stream)
        handler.setFormatter(logging.Formatter("%(message)s"))
        handler._subsidy_rules = True  # type: ignore[attr-defined]
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def main(args: ServeArgs, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    import uvicorn

    options = options_for(args, err)
    if options is None:
        return EXIT_BAD_INPUT
    policy = load_policy(Path(args.policy) if args.policy else None)  # PolicyError: the CLI lists every problem
    app = build_app(policy, options)
    configure_logging(out)
    on, off = _word("on", args.lang), _word("off", args.lang)
    err.write(_word("serving", args.lang, policy=f"{policy.name} {policy.version}", rules=len(policy.rule_ids),
                    host=args.host, port=args.port, auth=on if options.tokens else off,
                    cors=", ".join(options.cors_origins) or off, reload=on if args.reload else off) + "\n")
    err.flush()
    config = uvicorn.Config(app, host=args.host, port=args.port, access_log=False, server_header=False,
                            limit_concurrency=512, timeout_keep_alive=5, h11_max_incomplete_event_size=64 * 1024,
                            log_level="warning", lifespan="on")
    try:
        uvicorn.Server(config).run()
    except SystemExit as exc:  # uvicorn exits 1 when it cannot bind (it has said why on standard error)
        return EXIT_BAD_INPUT if exc.code else EXIT_OK
    return EXIT_OK
