"""SMSC (smsc.ru / smscentre.com), emulated as documented (seed 004, PROVIDERS.md §4, ``schemas/smsc/``).

Four scripts under the prefix — ``/sys/send.php``, ``/sys/status.php``, ``/sys/balance.php``,
``/sys/users.php`` — each taking its parameters from the query string (GET) or a body (POST), form-encoded
or ``multipart/form-data`` as smsc_api.js posts it (body values override query values, as PHP's
``$_REQUEST`` does). Every reply is HTTP 200; success and error alike are written in the format ``fmt`` asks
for:

====  ================================  =========================================================
fmt   success                           error
====  ================================  =========================================================
0     text: ``OK - 1 SMS, ID - 7``      ``ERROR = N (description)`` (send: ``…, ID - <id>``)
1     numbers: ``7,1``                  ``0,-N`` (send with an id: ``<id>,-N``)
2     XML: ``<result><id>7</id>…``      ``<result><error>…</error><error_code>N</error_code></result>``
3     JSON: ``{"id": 7, "cnt": 1}``     ``{"error": "…", "error_code": N}`` (send: with ``id``)
====  ================================  =========================================================

The JSON replies are exactly the ``$defs`` of ``smsc.schema.json``; amounts (``cost``, ``balance``, stats
values) are strings with two decimals, like the real service. The text and XML shapes of users.php and of the
errors are the seed's; those of send, status and balance follow the official libraries' comments
(``OK - 1 SMS, ID - 1234``; ``id,cnt[,cost[,balance]]``; ``cost,cnt``), status those of SMSC's reply page
(see `_replies.status_fields`); where no source shows one (fmt=0 cost estimate ``OK - 1 SMS, COST - 1.68``;
a status list, one line or ``<sms>`` per message led by its id) the emulator's choice is named there.

``charset`` (``utf-8``, ``koi8-r`` or ``windows-1251``) decodes the parameters and encodes the reply; the
default is **windows-1251**, as on the real server, so a client that sends UTF-8 without ``charset=utf-8``
gets mojibake back. The query string is read from its raw bytes, so a windows-1251 or koi8-r GET (the
official PHP library's default) reads as sent. ``id=0`` (sent by the official Python and PHP libraries on
every send) or an empty ``id`` means "no client id".

Authentication: ``login`` + ``psw`` (the password, or the lower-case hex MD5 of it), or ``apikey``.
An account with ``allowed_ips`` refuses other addresses with error 2. The caller's address is the first
``X-Forwarded-For`` entry when present, else ``127.0.0.1``.

Error precedence (the first failing check answers; ``area.N`` = errors.toml key):

1. 404 page — an unknown script (not an SMSC error).
2. **4** — the caller's address is blocked: `Smsc.BLOCK_AFTER` (5) authentication failures from it within
   `Smsc.FAILURE_WINDOW` (60) emulated seconds block it for `Smsc.BLOCK_SECONDS` (600) emulated seconds,
   and every request during the block restarts it. `Smsc.unblock` (or `Emulator.reset`) lifts it.
3. **1** — ``fmt`` not 0..3 (answered in fmt=0), ``charset`` not one of the three, too many parameters.
4. **2** — no or wrong credentials, or an address outside the account's ``allowed_ips`` (counts towards 4).

Then the script's own checks: see `_send`, `_status`, `_balance` and `_users`.

Every errors.toml code is reachable by a request; none is fault-only. The ``error_code`` fault answers
fmt=3 JSON: ``code`` is ``"N"`` or ``"<area>.N"``; anything else is error 1 with ``code`` as its text.
The rate limits behind the 9s of status, balance, users and the cost estimate can be switched off with
``rate_limits = false`` (seed) or ``Smsc.rate_limits = False``; the duplicate id check of send always holds.

Passwords and API keys never appear in ``repr()``, in the state output or in the request log.

Where things are (the layout of moto's service emulators):

================  ==================================================================================
module            concern
================  ==================================================================================
``_state``        the state: accounts and sub-clients, messages and their clock-driven statuses, top-ups
``_seed``         the seed section: its shapes, `SMSC_DEFAULT_SEED`, reading a seed into accounts
``_request``      reading a request: parameters, charset, ``fmt``, phones, dates, the caller's address
``_send``         send.php (send and cost estimate)
``_status``       status.php (status, list status, delete)
``_balance``      balance.php
``_users``        users.php (sub-clients: add, change, top up, statistics)
``_replies``      every reply body in fmt=0..3, and the error replies
``_provider``     `Smsc`: the state's owner, the route from a script to its handler, the shared checks
================  ==================================================================================
"""

from smsgate.emulator._smsc._provider import Smsc
from smsgate.emulator._smsc._seed import SMSC_DEFAULT_SEED, SmscAccountSeed, SmscSeed
from smsgate.emulator._smsc._send import transliterate
from smsgate.emulator._smsc._state import MOSCOW, SmscAccount, SmscMessage, SmscPayment, SmscStatus
from smsgate.emulator._smsc._users import password_is_strong

__all__ = [
    "MOSCOW",
    "SMSC_DEFAULT_SEED",
    "Smsc",
    "SmscAccount",
    "SmscAccountSeed",
    "SmscMessage",
    "SmscPayment",
    "SmscSeed",
    "SmscStatus",
    "password_is_strong",
    "transliterate",
]
