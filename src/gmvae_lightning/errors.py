"""One exception type for mistakes a user can fix; entry points print it without a traceback."""


class UserError(Exception):
    """A problem with the user's input, files or configuration; the message says what to do."""
