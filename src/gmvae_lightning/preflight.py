"""Command-line checks that must run before Hydra starts.

Hydra reports a bad override with the parser's words only ("no viable alternative at input
'['"), and a run folder it cannot create with a partial traceback; these checks name the
override or the folder and exit with status 2 like every other ``UserError``.
"""

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import OverrideParseException

from gmvae_lightning.errors import UserError

FOLDER_KEYS = ("hydra.run.dir", "hydra.sweep.dir", "paths.log_dir")


def check_overrides(args: Sequence[str]) -> None:
    parser = OverridesParser.create()
    for arg in args:
        if arg.startswith("-") or "=" not in arg:
            continue
        try:
            parser.parse_overrides([arg])
        except OverrideParseException as error:
            lines = [line.strip() for line in str(error).splitlines() if line.strip()]
            reasons = [line for line in lines if not line.startswith(("See ", "Error "))]
            reason = reasons[-1] if reasons else "invalid syntax"
            raise UserError(
                f"cannot parse the override {arg!r} ({reason}). Overrides look like key=value, "
                "+key=value or group=option; quote values holding brackets, commas or spaces "
                "(for example 'model.net.encoder.hidden=[256,256]')."
            ) from None


def check_writable_folder(folder: str | Path, key: str) -> None:
    """A folder that exists and is writable, or could be created (its first existing parent is
    a writable folder)."""
    path = Path(folder).expanduser().absolute()
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise UserError(
            f"{key}={folder} cannot be created: {existing} is a file, not a folder; choose "
            "another folder."
        )
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UserError(
            f"{key}={folder} is not writable ({existing} does not allow writing); choose a "
            "folder you can write to."
        )


def check_folders(args: Sequence[str], default_log_dir: str = "logs") -> None:
    given = {}
    for arg in args:
        key, _, value = arg.lstrip("+~").partition("=")
        if key in FOLDER_KEYS and value and "$" not in value:
            given[key] = value
    if not given:
        given["paths.log_dir"] = default_log_dir
    for key, value in given.items():
        check_writable_folder(value, key)


def preflight(args: Sequence[str] | None = None, check_run_folder: bool = True) -> None:
    """Exit with status 2 and one message when the command line is unusable."""
    args = sys.argv[1:] if args is None else list(args)
    try:
        check_overrides(args)
        if check_run_folder:
            check_folders(args)
    except UserError as error:
        if os.environ.get("HYDRA_FULL_ERROR") == "1":
            raise
        print(f"error: {error}", file=sys.stderr)
        sys.exit(2)
