"""Entry-point plumbing: user mistakes become one clear message and a non-zero exit."""

import functools
import os
import sys
from collections.abc import Callable
from typing import TypeVar

from gmvae_lightning.errors import UserError

T = TypeVar("T")


def find_user_error(error: BaseException) -> UserError | None:
    """The ``UserError`` behind ``error`` (Hydra wraps errors raised while instantiating)."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, UserError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def exit_on_user_error(function: Callable[..., T]) -> Callable[..., T]:
    """Print a ``UserError`` as ``error: ...`` and exit with status 2, without a traceback.

    ``HYDRA_FULL_ERROR=1`` re-raises so developers still get the full trace.
    """

    @functools.wraps(function)
    def wrapper(*args, **kwargs) -> T:
        try:
            return function(*args, **kwargs)
        except Exception as error:
            user_error = find_user_error(error)
            if user_error is None or os.environ.get("HYDRA_FULL_ERROR") == "1":
                raise
            print(f"error: {user_error}", file=sys.stderr)
            sys.exit(2)

    return wrapper
