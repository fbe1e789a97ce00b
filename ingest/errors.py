"""The one error a source document raises when it cannot be read as it is."""


class DocumentError(ValueError):
    """A source document that cannot be read as it is; the message says which and why."""
