"""One exception type for mistakes a user can fix, so entry points can print it without a traceback."""


class UserError(Exception):
    """A problem with the user's input, files or configuration; the message says what to do."""
