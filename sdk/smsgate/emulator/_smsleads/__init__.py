"""SMSLeads, emulated as documented (seed 002, PROVIDERS.md §2, ``schemas/smsleads/``).

Endpoint and envelope
=====================

One endpoint: ``POST /smsleads`` (the root of the prefix, with or without a trailing slash; any other path
answers HTTP 404), any Content-Type, an XML body whose root element names the command (the 19 commands of
the page: ``sms``, ``bulk``, ``balance``, ``dlr``, ``dlrByDate``, ``incoming``, ``blacklist``, ``rmNumBL``,
``addSub``, ``updateAmountSub``, ``getBlanceSubs``, ``newCL``, ``removeCL``, ``addNumCL``, ``rmNumCL``,
``getCL``, ``getCLbyID``, ``cancel``, ``verify_phone``). Whitespace before ``<?xml`` (the page's PHP example
#1) is tolerated, and every value is read without surrounding whitespace (``<username> xxxxxx </username>``).
Every reply is HTTP 200, ``application/xml; charset=utf-8``, one element per line as on the page::

    <?xml version="1.0" encoding="UTF-8"?>
    <sms>
    <status>0</status>
    <message>SMS will be sent</message>
    <shipment_id>12345678</shipment_id>
    </sms>

The root is the command's (``sms``, the page's generic envelope, when the command is unknown or the body
unreadable); ``status`` is 0 on success (rmNumBL: 944, as documented) or a result code of
``schemas/smsleads/errors.toml``; ``message`` is the page's text for the code (for 2: the missing field),
or the command's positive text; error replies carry nothing else. With ``documented_replies`` off (the
default) every reply validates against ``schemas/smsleads/smsleads.xsd``.

Authentication and precedence
=============================

Every request needs ``Authorization: Bearer <token>`` AND ``<user><username>`` in the body, and the token
must belong to that username. An account holds a list of tokens, each with an expiry (24 months after it
was generated, on the emulated clock); generating a new token (`SmsLeads.generate_token`) leaves the older
ones working for 7 more days. The checks run in this order; the first failing one answers:

1. ``502`` action type not valid — the HTTP method is not POST.
2. ``1`` XML parse error — the body is empty, not well-formed, or refused by the hardened parser (a DOCTYPE,
   an entity declaration, more than 1 MiB).
3. ``997`` not a valid command — the root element is not one of the 19 commands.
4. ``2`` missing field — no ``<user>``, or no (or an empty) ``<username>`` in it.
5. ``504`` current token not found — no ``Authorization`` header, not the ``Bearer`` scheme, or no token.
6. ``3`` token invalid — no account has this token.
7. ``10`` token expired — its 24 months are over.
8. ``11`` a newer token exists — the token was superseded more than 7 days ago.
9. ``11`` token does not match the username — it belongs to another (or to no) username.
10. ``999`` contact support — the account is ``blocked``.
11. ``511`` no permission for this function — the command is in the account's ``denied_commands``
    (sub-accounts are always denied ``addSub``, ``updateAmountSub`` and ``getBlanceSubs``).

Then the command's own checks, in this order (a missing required element is ``2``, naming it):

* ``sms``: ``5`` the account may not send (``send_allowed`` off); ``7`` a group of messages (more than one
  ``<message>``, or a ``<messages>`` element: groups go through ``bulk``); ``2`` no ``source``,
  ``destinations`` or ``message``; ``992`` the source is not 1..11 digits/English letters; ``989`` the
  message is blank or longer than 1005 characters (the 019 platform's cap); ``986`` ``add_unsubscribe`` is
  not 0, 2 or 3; ``998`` ``timing`` is not a valid ``dd/mm/yy hh:mm``; ``7`` ``add_dynamic`` is 1 with a
  single ``phone`` or with other than exactly one ``cl_id``; ``9`` no ``phone`` and no ``cl_id``, or a phone
  that is not an Israeli mobile (``05XXXXXXXX`` or ``5XXXXXXXX``); ``988`` a ``cl_id`` that is not one of
  the account's contact lists; ``9`` the lists hold no phone; ``8`` every recipient is on the account's
  blacklist; ``4`` the credits do not cover the parts.
* ``bulk``: ``5``; ``2`` (``messages``, at least one ``sms``, and each one's ``source``, ``destinations``,
  ``message``); ``986``; ``998``; then for each ``sms`` in order ``992``, ``989``, ``9`` (no phone, or a bad
  one); ``8``; ``4``.
* ``dlr``/``dlrByDate``/``incoming``/``blacklist``: ``2`` (``transactions`` and an ``external_id`` for the
  DLR commands, ``from``, ``to``); ``998`` a date is not ``dd/mm/yy hh:mm`` or ``from`` is after ``to``; for
  ``dlr``/``dlrByDate``/``incoming`` also ``998`` when ``to`` is more than a week after ``from`` or ``from`` is
  more than a year (365 days) before now, to the minute (the page: "a range of 1 week up to 1 year back"; the
  019 platform's page of the same API: "up to 1 week"). ``blacklist`` has no such limit.
* ``rmNumBL``: ``2`` (``phones``, ``reason``); ``933`` no phone, a phone that is not an Israeli mobile, or a blank
  reason (nothing is removed). Success is ``944``: "X phone numbers Successfully deleted , Y Phone numbers
  not exist in blacklist".
* ``addSub``: ``2`` (``userDetails`` and its five fields); ``996`` name not 1..50 characters; ``995``
  username not 3..30; ``993`` password not 6..30; ``992`` source; ``991`` amount not digits only; ``994``
  the username exists (any account); ``990`` the amount exceeds the account's own credits.
* ``updateAmountSub``: ``2``; ``995``; ``993``; ``991``; ``503`` not one of the account's sub-accounts;
  ``990``. The amount is moved from the parent to the sub-account, whose password becomes the one sent.
* ``newCL``: ``2`` (at least one ``cl``, each with ``name`` and ``destinations``); ``996`` name not 1..50.
* ``removeCL``/``addNumCL``/``rmNumCL``/``getCLbyID``: ``2``; ``988`` when none of the lists given is one of
  the account's (for several lists, the missing ones are reported in ``<errors>``: partial success).
* ``cancel``: ``2``; ``977`` not a shipment id of this account; ``955`` already cancelled; ``966`` already
  sent (immediate sends, and scheduled ones whose time has come on the emulated clock).
* ``verify_phone``: ``510`` no phone element, or none of them an Israeli mobile or landline number.

Only ``6`` (process failure, an internal error) cannot be caused by any request: inject it with the
``error_code`` fault (``code="6"``). That fault answers ``<ROOT><status>N</status><message>…</message></ROOT>``
for any numeric code, with the root of the request's command; a non-numeric code (the fault's default
``UNKNOWN_ERROR``) answers 6. The reply is shaped by ``documented_replies`` like every other.

State and behaviour
===================

* Credits are integers, charged per SMS part per recipient at submission (scheduled campaigns included, and
  refunded when cancelled): parts come from `smsgate._segments.analyze` (GSM-7: 160, then 153 per part;
  anything else, Hebrew included, is UCS-2: 70, then 67). The text charged is the one sent: ``tag`` puts
  ``<tag>`` before it (``#`` → ``<#>Hello``), ``add_dynamic=1`` fills ``[DYNAMIC_FIELD1..6]`` from the contact
  list's df1..df6 (empty when unset), ``add_unsubscribe`` 2/3 appends a Hebrew opt-out line (by reply SMS /
  by link). Blacklisted recipients are skipped and not charged; duplicates are not merged.
* ``response=1`` replaces the source with a reply-capable number picked from ``reply_numbers``
  (pseudo-randomly, deterministically from the shipment id; one number for a whole bulk).
* Every send is one shipment (``shipment_id``, increasing from ``first_shipment_id``); ``cancel`` takes it as
  ``campaign_id``. A ``timing`` in the future makes it a scheduled campaign; now or past sends at once.
* Delivery reports: a recipient whose ``phone`` had a non-empty ``id`` attribute (the external id) gets a
  transaction. From the send time it has status -1 (sent), and 30 emulated seconds later 102 (delivered), or
  101 (not delivered) when the phone's last digit is one of the account's ``undelivered_last_digits``
  (default ``"9"``). ``he_message``/``en_message`` follow the code's state in errors.toml's ``[statuses]``.
  ``dlr`` answers the transactions of the external ids given, ``dlrByDate`` all of them (its
  ``external_id`` is the literal ``null``), sent between ``from`` and ``to`` (whole minutes, inclusive),
  oldest first, at most 1000. Scheduled and cancelled campaigns have none.
* Dates are ``dd/mm/yy hh:mm`` on the emulated clock in UTC (the page names no time zone).
* ``incoming`` and ``blacklist`` list the seeded (or added) entries of the account dated between ``from``
  and ``to``, newest first.
* Contact lists have ids (from ``first_contact_list_id``), a name and contacts (phone + df1..df6);
  ``getCL`` answers one row per phone (an empty list as a row without phone). Phones are stored as
  ``05XXXXXXXX``. Rejected phones and missing lists of ``newCL``/``removeCL``/``addNumCL``/``rmNumCL`` are
  listed in ``<errors>`` with status 0 (partial success).
* ``verify_phone`` answers, one line per phone, "verification link will be send to P" (mobile) or "in order
  to complete the verification of P call to 05…" (landline), inside ``message`` with a newline before and
  after; the phones are kept in the account's ``verifications``.

Documented replies
==================

With ``documented_replies`` on (`SmsLeads.documented_replies`, or the seed's ``documented_replies``), every
reply is the correct one with the page's defects applied, each by its own function named as in
``schemas/smsleads/samples/README.md`` (`SmsLeadsDefect`): ``sms`` → ``unclosed-shipment-id``; ``bulk`` →
``bulk-reply-root-sms`` and ``unclosed-shipment-id``; ``dlr`` (and ``dlrByDate``, presumed alike) →
``unclosed-shipment-id`` and ``whitespace-in-values`` (``he_message``); ``rmNumBL`` → ``rootless-reply``;
``getBlanceSubs`` → ``whitespace-in-values`` (``name``); ``verify_phone`` → ``verify-message-field`` (and
the page's lower-case ``encoding="utf-8"``, which is legal).

Tokens and passwords are secrets: they never appear in ``repr()``, logs or `SmsLeads.snapshot`.

Layout
======

One module per concern, so that a fix lands in one small file:

* ``_provider`` — `SmsLeads`: the state the server holds (accounts, contact lists, shipments, ids),
  authentication, and the table of the 19 handlers.
* ``_state`` — the data: accounts, tokens, contact lists, incoming SMS, shipments and their messages, whose
  delivery statuses follow the emulated clock; the limits (``FINAL_AFTER``, ``MAX_DLR_RECORDS``…).
* ``_seed`` — the seed section's shapes, `SMSLEADS_DEFAULT_SEED` and its validation.
* ``_codes`` — the commands, result codes and their texts; ``Refused``.
* ``_values`` — Israeli phone numbers and ``dd/mm/yy hh:mm`` dates.
* ``_request`` — reading the XML body and the checks several commands share.
* ``_send``, ``_reports``, ``_sub_accounts``, ``_contact_lists``, ``_verify`` — one handler per command.
* ``_replies`` — the envelope, the rows of every listing, and the page's defects (``documented_replies``).
"""

from smsgate.emulator._smsleads._codes import COMMANDS, SmsLeadsCode
from smsgate.emulator._smsleads._codes import DLR_STATES as _DLR_STATES
from smsgate.emulator._smsleads._codes import MESSAGES as _MESSAGES
from smsgate.emulator._smsleads._provider import SmsLeads
from smsgate.emulator._smsleads._replies import SmsLeadsDefect, apply_defect
from smsgate.emulator._smsleads._seed import (
    SMSLEADS_DEFAULT_SEED,
    SmsLeadsAccountSeed,
    SmsLeadsBlacklistSeed,
    SmsLeadsContactListSeed,
    SmsLeadsContactSeed,
    SmsLeadsIncomingSeed,
    SmsLeadsSeed,
    SmsLeadsTokenSeed,
    validate_seed,
)
from smsgate.emulator._smsleads._state import (
    SmsLeadsAccount,
    SmsLeadsContact,
    SmsLeadsContactList,
    SmsLeadsIncoming,
    SmsLeadsMessage,
    SmsLeadsShipment,
    SmsLeadsToken,
)
from smsgate.emulator._smsleads._values import format_time, is_israeli_landline, normalize_mobile, parse_time

__all__ = [
    "COMMANDS",
    "SMSLEADS_DEFAULT_SEED",
    "_DLR_STATES",
    "_MESSAGES",
    "SmsLeads",
    "SmsLeadsAccount",
    "SmsLeadsAccountSeed",
    "SmsLeadsBlacklistSeed",
    "SmsLeadsCode",
    "SmsLeadsContact",
    "SmsLeadsContactList",
    "SmsLeadsContactListSeed",
    "SmsLeadsContactSeed",
    "SmsLeadsDefect",
    "SmsLeadsIncoming",
    "SmsLeadsIncomingSeed",
    "SmsLeadsMessage",
    "SmsLeadsSeed",
    "SmsLeadsShipment",
    "SmsLeadsToken",
    "SmsLeadsTokenSeed",
    "apply_defect",
    "format_time",
    "is_israeli_landline",
    "normalize_mobile",
    "parse_time",
    "validate_seed",
]
