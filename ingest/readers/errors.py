"""The one error readers raise: its message is shown to users, in Chinese, naming the reason."""


class ReaderError(Exception):
    """A file could not be read; the caller adds the file name to the message."""
