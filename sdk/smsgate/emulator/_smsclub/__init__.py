"""SMSClub, emulated as documented (seed 003, PROVIDERS.md §3, ``schemas/smsclub/``).

Five operations, each an HTTP ``POST`` to its own path under the prefix (so a client with
``base_url=emu.base_url("smsclub")`` posts to ``…/smsclub/sms/send``), authenticated with
``Authorization: Bearer <token>``, with a UTF-8 JSON body where the operation takes one:

==========================  ==========  =======================================================================
path                        operation   body
==========================  ==========  =======================================================================
``/sms/send``               send        ``{"src_addr": …, "phone": [...], "message": …, "integration_id"?: …}``
``/v2/sms/send``            personal    ``{"src_addr": …, "data_message": [{"phone": …, "message": …}, …]}``
``/sms/status``             status      ``{"id_sms": ["106", …]}`` (strings; integers are accepted too)
``/sms/originator``         originator  none (a body is ignored)
``/sms/balance``            balance     none (a body is ignored)
==========================  ==========  =======================================================================

and the two sender-name (alpha name) endpoints of SMSClub's official PHP examples (``json_sms/
originator_create.php``, ``originator_status.php``; not on the API page, replies not shown anywhere — see
"Sender-name registration" below):

=========================================  =======================  ==============================================
path                                       operation                body
=========================================  =======================  ==============================================
``/originators/registration-originators``  originator_registration  ``{"sender_id", "company_type", "company",
                                                                    "inn", "okpo", "subject", "description",
                                                                    "site"}``
``/originators/stat-originators``          originator_status        ``{"sender_id": …}`` (without it: every name)
=========================================  =======================  ==============================================

Replies are ``application/json; charset=UTF-8`` in exactly the shapes of ``smsclub.schema.json``: a success is
HTTP 200 ``{"success_request": {"info": …, "add_info"?: …}}`` (``info`` keyed by message id for send and
status, an array of names for originator, ``{"money": "8111.1700", "currency": "UAH"}`` for balance);
a validation failure is HTTP 400 ``{"success_request": {"add_info": …}}`` (no ``info``); every other error is
the flat Yii-style ``{"name": …, "message": …, "code": 0, "status": N}`` with HTTP status N.

The checks run in this order; the first failing one answers:

1. 404 / 405 — an unknown path, or a method other than POST (flat body; not provider codes).
2. **401** — no ``Authorization: Bearer <token>`` header, or an unknown token (with ``WWW-Authenticate``).
3. **429** — more than `SmsClub.rate_limit` (9) requests in the last second with that token. The window
   slides on the **real monotonic clock** (`SmsClub.monotonic`, replaceable in tests), not the emulated one:
   the limit is about the pace of a client's HTTP calls, which the emulated clock (frozen in tests,
   60× in the demo) does not measure. Only accepted requests fill the window; a refused one carries
   ``Retry-After`` (whole seconds until a slot frees, at least 1). ``rate_limit = 0`` switches it off.
4. **400** — field validation, every failing field listed in ``add_info`` at once (keys ``src_addr``,
   ``phone``, ``message``, ``data_message``, ``id_sms``, ``integration_id``): the body is read as JSON
   whatever its ``Content-Type``, and one that is not a JSON object counts as empty;
   ``src_addr`` missing or not one of the account's registered ``originators`` (exact match);
   ``phone`` not an array of 1..100 items; ``message`` missing, empty or longer than 1521 characters
   (661 when any character is not GSM-7 — the limit ``sol-parts`` enforces; unconfirmed);
   ``data_message`` not an array of 1..100 objects; ``id_sms`` not an array of 1..100 ids made of digits.
5. Per recipient (send, personal): a phone that is not a possible international number of 10..15 digits
   (a leading ``+`` is dropped; a Ukrainian national ``0XXXXXXXXX`` becomes ``380XXXXXXXXX``) — or, in a
   personal send, whose own message is empty or too long — is rejected in ``add_info`` (phone → reason) and
   the others go on: **partial success is normal**. When every phone is rejected the reply is HTTP 200 with
   ``add_info`` only and nothing is sent.
6. **453** — an accepted phone already got the same text from this account less than 2 minutes ago on the
   emulated clock (`SmsClub.DUPLICATE_WINDOW`), or appears twice with the same text in the request. The
   whole request is refused; nothing is sent.
7. **400** ``{"add_info": {"balance": "Insufficient funds"}}`` — the balance does not cover
   ``price_per_part`` × parts of every accepted message (the page documents no code for it). Nothing sent.

Status: ids of messages of the caller's account get their status in ``info``; other ids (unknown, or of
another account) are not reported: when none is known the reply is HTTP 400 with ``add_info`` the plain
string ``"Invalid id_sms"``; otherwise HTTP 200 with ``info`` and that same ``add_info`` string.

**500 and every other 5xx are fault-only**: inject them with the ``error_code`` fault (``code="500"``,
``"5xx"`` = 503, or any status ``"502"``…); the fault answers any errors.toml code with its own body shape.

Success: ids are integers from 106 (the page's example), increasing, shared by all accounts, as strings.
Each accepted message is charged ``price_per_part`` (default 0.85 UAH) per part (`smsgate._segments.analyze`).
A message is ``ENROUTE`` when created and final 30 emulated seconds later: ``UNDELIV`` when the recipient's
last digit is one of the account's ``undelivered_last_digits`` (default ``"9"``), else ``DELIVRD``.
The balance shows ``money`` with four decimals, as the page does (``"8111.1700"``).

``documented_replies = True`` (a seed switch, default False) makes the balance answer the page's broken
text, ``"info": ["money": "…", "currency": "…"]`` (key/value pairs inside an array, not JSON), so an SDK's
tolerance of that defect can be tested over HTTP.

Sender-name registration
========================

SMSClub's official examples only send these requests and print the decoded reply, so the emulator answers in
the API's own envelope (presumed): HTTP 200 ``{"success_request": {"info": {"<sender_id>": "<state>"}}}``, or
HTTP 400 ``{"success_request": {"add_info": {"<field>": "<reason>"}}}`` listing every failing field.

* ``registration-originators`` checks: ``sender_id`` 1..11 Latin letters, digits, spaces, ``.``, ``_`` or ``-``
  (the official example's ``test_an`` has an underscore), and not already the account's name nor already
  requested (``"Alpha name already exists"``); ``company_type`` ``fop`` (an individual entrepreneur: ``inn``
  required, digits) or ``tov`` (a company: ``okpo``, its EDRPOU code, required, digits) — the official example
  sends ``fop`` with an empty ``okpo``; ``company``, ``subject`` and ``description`` non-blank strings;
  ``site`` a string when given. The request is recorded in the account's ``registrations`` and answered
  ``"Being moderated"``.
* A registration is moderated on the emulated clock: `MODERATION_AFTER` (one hour) after it was made
  it is ``"Approved"``: ``/sms/originator`` lists it after the seeded names and sends may use it.
* ``stat-originators`` answers the state of ``sender_id`` (the seeded names are ``"Approved"``), or of every
  name of the account when ``sender_id`` is absent; a name the account neither has nor requested is HTTP 400
  ``{"add_info": {"sender_id": "Alpha name not found"}}``.

Tokens never appear in ``repr()``, in the state output or in the request log.

Layout
======

* ``_provider`` — `SmsClub`: accounts and messages as the server holds them, authentication, the rate limit,
  and the table of handlers.
* ``_state`` — the data (accounts, sender-name registrations, messages and their clock-driven statuses) and
  the limits.
* ``_seed`` — the seed section's shapes, `SMSCLUB_DEFAULT_SEED` and its validation.
* ``_request`` — paths, the token, the JSON body, recipients and texts; ``Refused``.
* ``_send``, ``_status``, ``_senders``, ``_balance`` — one handler per operation.
* ``_replies`` — every reply shape: the envelope, validation failures, flat errors, the balance.
"""

from smsgate.emulator._smsclub._provider import SmsClub
from smsgate.emulator._smsclub._request import normalize_phone
from smsgate.emulator._smsclub._seed import SMSCLUB_DEFAULT_SEED, SmsClubAccountSeed, SmsClubSeed, validate_seed
from smsgate.emulator._smsclub._state import SmsClubAccount, SmsClubMessage, SmsClubRegistration, SmsClubStatus

__all__ = [
    "SMSCLUB_DEFAULT_SEED",
    "SmsClub",
    "SmsClubAccount",
    "SmsClubAccountSeed",
    "SmsClubMessage",
    "SmsClubRegistration",
    "SmsClubSeed",
    "SmsClubStatus",
    "normalize_phone",
    "validate_seed",
]
