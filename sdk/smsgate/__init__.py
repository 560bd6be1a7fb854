"""smsgate: typed sync and async clients for the LetsAds, SMSLeads, SMSClub and SMSC SMS gateways.

Provider clients load lazily on first use, so ``import smsgate`` stays cheap::

    import smsgate

    with smsgate.LetsAds(login="380501234567", password="...") as client:
        result = client.send(["+380501234567"], "Hello", sender="Shop")
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._exceptions import (
    AuthenticationError,
    ConnectFailedError,
    DuplicateError,
    InsufficientFundsError,
    InvalidRecipientError,
    InvalidRequestError,
    InvalidSenderError,
    MessageTooLongError,
    NotFoundError,
    OutcomeUnknownError,
    PermissionDeniedError,
    ProviderError,
    ProviderUnavailableError,
    RateLimitError,
    ReplyLostError,
    ResponseFormatError,
    SmsGateError,
    TransportError,
    ValidationError,
)
from ._types import NOT_GIVEN, DeliveryState, ErrorCategory, NotGiven

if TYPE_CHECKING:
    from smsgate_generated.letsads.client import AsyncLetsAds, LetsAds
    from smsgate_generated.letsads.errors import LetsAdsStatus
    from smsgate_generated.smsc.client import AsyncSmsc, Smsc
    from smsgate_generated.smsc.errors import SmscStatus
    from smsgate_generated.smsclub.client import AsyncSmsClub, SmsClub
    from smsgate_generated.smsclub.errors import SmsClubStatus
    from smsgate_generated.smsleads.client import AsyncSmsLeads, SmsLeads
    from smsgate_generated.smsleads.errors import SmsLeadsStatus

    from . import emulator
    from ._campaign import Campaign, CampaignSummary, HaltReason
    from ._gateway import AsyncGateway, Gateway
    from ._journal import Journal, JournalBusyError, JournalCounts, JournalError
    from ._outcomes import DeliveryStatus, Outcome, RecipientOutcome, SendReport
    from ._providers.smsleads import BulkMessage, Contact, Recipient, UnsubscribeOption
    from ._results import (
        Balance,
        BlacklistEntry,
        BlacklistRemoval,
        CommandResult,
        ContactListEntry,
        ContactListResult,
        CreditBalance,
        DeliveryReport,
        IncomingMessage,
        MessageStatus,
        RejectedRecipient,
        SendResult,
        SentMessage,
        Shipment,
        SmscBalance,
        SmscEstimate,
        SmscMessageStatus,
        SmscSendResult,
        SmscSubclient,
        SmscSubclientDetailedStats,
        SmscSubclientStats,
        SmscSubclientStatsLine,
        SubAccountBalance,
    )
    from ._segments import Encoding, Segments

    #: The installed distribution's version (``smsgate --version``), read from its metadata on first use.
    __version__: str

__all__ = [
    "NOT_GIVEN",
    "AsyncGateway",
    "AsyncLetsAds",
    "AsyncSmsClub",
    "AsyncSmsLeads",
    "AsyncSmsc",
    "AuthenticationError",
    "Balance",
    "BlacklistEntry",
    "BlacklistRemoval",
    "BulkMessage",
    "Campaign",
    "CampaignSummary",
    "CommandResult",
    "ConnectFailedError",
    "Contact",
    "ContactListEntry",
    "ContactListResult",
    "CreditBalance",
    "DeliveryReport",
    "DeliveryState",
    "DeliveryStatus",
    "DuplicateError",
    "Encoding",
    "ErrorCategory",
    "Gateway",
    "HaltReason",
    "IncomingMessage",
    "InsufficientFundsError",
    "InvalidRecipientError",
    "InvalidRequestError",
    "InvalidSenderError",
    "Journal",
    "JournalBusyError",
    "JournalCounts",
    "JournalError",
    "LetsAds",
    "LetsAdsStatus",
    "MessageStatus",
    "MessageTooLongError",
    "NotFoundError",
    "NotGiven",
    "Outcome",
    "OutcomeUnknownError",
    "PermissionDeniedError",
    "ProviderError",
    "ProviderUnavailableError",
    "RateLimitError",
    "Recipient",
    "RecipientOutcome",
    "RejectedRecipient",
    "ReplyLostError",
    "ResponseFormatError",
    "Segments",
    "SendReport",
    "SendResult",
    "SentMessage",
    "Shipment",
    "SmsClub",
    "SmsClubStatus",
    "SmsGateError",
    "SmsLeads",
    "SmsLeadsStatus",
    "Smsc",
    "SmscBalance",
    "SmscEstimate",
    "SmscMessageStatus",
    "SmscSendResult",
    "SmscStatus",
    "SmscSubclient",
    "SmscSubclientDetailedStats",
    "SmscSubclientStats",
    "SmscSubclientStatsLine",
    "SubAccountBalance",
    "TransportError",
    "UnsubscribeOption",
    "ValidationError",
    "emulator",
]

# Public name -> module that defines it; imported on first access only.
_LAZY = {
    # Result types: dozens of dataclasses, built on first use (about a third of the import time otherwise).
    "Balance": "smsgate._results",
    "BlacklistEntry": "smsgate._results",
    "BlacklistRemoval": "smsgate._results",
    "CommandResult": "smsgate._results",
    "ContactListEntry": "smsgate._results",
    "ContactListResult": "smsgate._results",
    "CreditBalance": "smsgate._results",
    "DeliveryReport": "smsgate._results",
    "IncomingMessage": "smsgate._results",
    "MessageStatus": "smsgate._results",
    "RejectedRecipient": "smsgate._results",
    "SendResult": "smsgate._results",
    "SentMessage": "smsgate._results",
    "Shipment": "smsgate._results",
    "SmscBalance": "smsgate._results",
    "SmscEstimate": "smsgate._results",
    "SmscMessageStatus": "smsgate._results",
    "SmscSendResult": "smsgate._results",
    "SmscSubclient": "smsgate._results",
    "SmscSubclientDetailedStats": "smsgate._results",
    "SmscSubclientStats": "smsgate._results",
    "SmscSubclientStatsLine": "smsgate._results",
    "SubAccountBalance": "smsgate._results",
    "LetsAds": "smsgate_generated.letsads.client",
    "AsyncLetsAds": "smsgate_generated.letsads.client",
    "LetsAdsStatus": "smsgate_generated.letsads.errors",
    "SmsClub": "smsgate_generated.smsclub.client",
    "AsyncSmsClub": "smsgate_generated.smsclub.client",
    "SmsClubStatus": "smsgate_generated.smsclub.errors",
    "SmsLeads": "smsgate_generated.smsleads.client",
    "AsyncSmsLeads": "smsgate_generated.smsleads.client",
    "SmsLeadsStatus": "smsgate_generated.smsleads.errors",
    "Smsc": "smsgate_generated.smsc.client",
    "AsyncSmsc": "smsgate_generated.smsc.client",
    "SmscStatus": "smsgate_generated.smsc.errors",
    "BulkMessage": "smsgate._providers.smsleads",
    "Contact": "smsgate._providers.smsleads",
    "Recipient": "smsgate._providers.smsleads",
    "UnsubscribeOption": "smsgate._providers.smsleads",
    "Gateway": "smsgate._gateway",
    "Campaign": "smsgate._campaign",
    "CampaignSummary": "smsgate._campaign",
    "AsyncGateway": "smsgate._gateway",
    "SendReport": "smsgate._outcomes",
    "RecipientOutcome": "smsgate._outcomes",
    "Outcome": "smsgate._outcomes",
    "DeliveryStatus": "smsgate._outcomes",
    "HaltReason": "smsgate._campaign",
    "Journal": "smsgate._journal",
    "JournalBusyError": "smsgate._journal",
    "JournalError": "smsgate._journal",
    "JournalCounts": "smsgate._journal",
    "Encoding": "smsgate._segments",
    "Segments": "smsgate._segments",
}
_SUBMODULES = {"emulator", "testing"}


def _version() -> str:
    import importlib.metadata  # ~35 ms: only when asked

    try:
        return importlib.metadata.version("smsgate")
    except importlib.metadata.PackageNotFoundError:  # a source tree on sys.path, not installed
        return "0+unknown"


def __getattr__(name: str) -> Any:
    if name == "__version__":
        value: Any = _version()
    elif name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"{__name__}.{name}")
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


# Tracebacks and reprs say `smsgate.ProviderError`, not `smsgate._exceptions.ProviderError`.
for _name in __all__:
    _obj = globals().get(_name)
    if isinstance(_obj, type) and _obj.__module__.startswith("smsgate."):
        _obj.__module__ = __name__
del _name, _obj
