"""The embedded provider emulator: the providers' HTTP APIs, simulated faithfully on a loopback server.

::

    from smsgate.emulator import Emulator

    with Emulator(clock_speed=0) as emu:              # a frozen clock: only emu.clock.advance() moves it
        base_url = emu.base_url("letsads")            # give this to a client as base_url=
        emu.faults.inject("letsads", "timeout", delay=5)
        emu.clock.advance(30)                         # statuses move on the emulated clock
        assert not emu.requests.filter("letsads", operation="send")
        emu.reset()                                   # back to the seed state

It speaks all four providers, each under its own path prefix: LetsAds (``/letsads``), SMSLeads
(``/smsleads``), SMSClub (``/smsclub``) and SMSC (``/smsc``), behind one generic server. See `Emulator`
for the constructor and control endpoints, `Faults.inject` for the fault kinds, and each provider's module
(``smsgate.emulator._letsads``, ``._smsleads``, ``._smsclub``, ``._smsc``) for its rules: error precedence,
charging, status timelines, seed accounts. `DEFAULT_SEED` describes the accounts every emulator starts with.
"""

from smsgate.emulator._clock import Clock
from smsgate.emulator._emulator import DEFAULT_SEED, Emulator, Seed, load_seed
from smsgate.emulator._letsads import (
    LetsAds,
    LetsAdsAccount,
    LetsAdsAccountSeed,
    LetsAdsError,
    LetsAdsMessage,
    LetsAdsSeed,
    LetsAdsStatus,
)
from smsgate.emulator._server import (
    Fault,
    FaultKind,
    Faults,
    Provider,
    RecordedRequest,
    Reply,
    Request,
    RequestLog,
)
from smsgate.emulator._smsc import (
    Smsc,
    SmscAccount,
    SmscAccountSeed,
    SmscMessage,
    SmscPayment,
    SmscSeed,
    SmscStatus,
)
from smsgate.emulator._smsclub import (
    SmsClub,
    SmsClubAccount,
    SmsClubAccountSeed,
    SmsClubMessage,
    SmsClubSeed,
    SmsClubStatus,
)
from smsgate.emulator._smsleads import (
    SmsLeads,
    SmsLeadsAccount,
    SmsLeadsAccountSeed,
    SmsLeadsCode,
    SmsLeadsContact,
    SmsLeadsContactList,
    SmsLeadsDefect,
    SmsLeadsMessage,
    SmsLeadsSeed,
    SmsLeadsShipment,
    SmsLeadsToken,
)

__all__ = [
    "DEFAULT_SEED",
    "Clock",
    "Emulator",
    "Fault",
    "FaultKind",
    "Faults",
    "LetsAds",
    "LetsAdsAccount",
    "LetsAdsAccountSeed",
    "LetsAdsError",
    "LetsAdsMessage",
    "LetsAdsSeed",
    "LetsAdsStatus",
    "Provider",
    "RecordedRequest",
    "Reply",
    "Request",
    "RequestLog",
    "Seed",
    "SmsClub",
    "SmsClubAccount",
    "SmsClubAccountSeed",
    "SmsClubMessage",
    "SmsClubSeed",
    "SmsClubStatus",
    "SmsLeads",
    "SmsLeadsAccount",
    "SmsLeadsAccountSeed",
    "SmsLeadsCode",
    "SmsLeadsContact",
    "SmsLeadsContactList",
    "SmsLeadsDefect",
    "SmsLeadsMessage",
    "SmsLeadsSeed",
    "SmsLeadsShipment",
    "SmsLeadsToken",
    "Smsc",
    "SmscAccount",
    "SmscAccountSeed",
    "SmscMessage",
    "SmscPayment",
    "SmscSeed",
    "SmscStatus",
    "load_seed",
]
