"""Our exception types. The core raises them; the CLI turns them into one line + exit code."""

from __future__ import annotations


class SlactlError(Exception):
    """Bad input or an impossible request: one line saying what, where and how to fix it."""

    exit_code = 2


class AgreementError(SlactlError):
    """An agreement or quotas file is invalid."""


class LedgerError(SlactlError):
    """The ledger cannot be opened or is at the wrong schema version."""


class ImportError_(SlactlError):
    """A CSV import failed as a whole (with --strict, or an unreadable file)."""


class UnknownLead(SlactlError):
    """A lead named on the command line is not in the ledger."""


class TemporaryFailure(SlactlError):
    """A failure worth retrying later (e.g. SMTP 4xx, server unreachable)."""

    exit_code = 75  # EX_TEMPFAIL from sysexits.h, what cron wrappers expect


class PermanentFailure(SlactlError):
    """A failure that will not go away by retrying (e.g. SMTP login refused)."""

    exit_code = 3
