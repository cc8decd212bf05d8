"""Every error the ledger raises on purpose derives from ``LedgerError``.

The CLI turns any ``LedgerError`` into one line on stderr and a non-zero
exit; anything else is a bug and is allowed to show its traceback.
"""


class LedgerError(Exception):
    """Base of every error the ledger reports to its user."""


class LineError(LedgerError):
    """A line of an interchange file breaks the contract.

    Carries the 1-based line number so the message can point at it.
    """

    def __init__(self, lineno: int, reason: str):
        super().__init__(f"line {lineno}: {reason}")
        self.lineno = lineno
        self.reason = reason


class RuleViolationError(LedgerError):
    """A command would break a rule of the sanctions domain (no line number yet)."""


class UnknownPartyError(LedgerError):
    """No party matches the id, name or alias asked for."""


class NotAnAuthorityError(LedgerError):
    """An authority's list was asked of a party that is no authority (a person, say)."""


class AmbiguousPartyError(LedgerError):
    """A name matches more than one party; the message lists the candidates."""


class ConflictError(LedgerError):
    """Another writer changed the same record first; nothing of ours was written."""


class TamperError(LedgerError):
    """The stored events no longer hash to the chain they were recorded with."""


class LedgerNotFoundError(LedgerError):
    """A read was asked of a ledger that does not exist yet."""


class NotALedgerError(LedgerError):
    """The database named as the ledger holds something else: nothing is written into it."""


class SchemaError(LedgerError):
    """The ledger's read-model schema is not at the revision this code expects."""


class ReadOnlyLedgerError(LedgerError):
    """A write was asked of a ledger this process may only read."""


class WriterBusyError(LedgerError):
    """Another writer held the ledger for longer than this one was told to wait."""


class PrivilegeError(LedgerError):
    """A role cannot be given the access asked for: it already holds more."""
