"""One error hierarchy for the library; cli.py turns these into one-line messages and exit codes."""

from __future__ import annotations


class VlmnotesError(Exception):
    """Base class: an error the user can fix, with a message that names the place and the fix."""

    exit_code = 1


class UsageError(VlmnotesError):
    """The command line or a query is malformed."""

    exit_code = 2


class NoteReadError(VlmnotesError):
    """A note file cannot be read or decoded."""


class RecordError(VlmnotesError):
    """A record file in the knowledge base is broken."""


class VocabularyError(VlmnotesError):
    """A user vocabulary file is broken."""


class NotFoundError(VlmnotesError):
    """No record matches what the user asked for."""
