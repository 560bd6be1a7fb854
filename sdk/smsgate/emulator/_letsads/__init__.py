"""LetsAds, emulated as documented (seeds 000/001, PROVIDERS.md §1).

One endpoint: ``POST /letsads`` (the root of the prefix, with or without a trailing slash), any
Content-Type, an XML body ``<request><auth><login/><password/></auth>`` followed by exactly one operation
element: ``<message>`` (send), ``<sms_id>`` (status) or ``<balance/>`` (balance). Every reply is HTTP 200,
``application/xml; charset=utf-8``::

    <?xml version="1.0" encoding="UTF-8"?>
    <response><name>…</name><description>…</description>…</response>

Errors are ``<name>Error</name><description>CODE</description>``. The checks run in this order, and the first
failing one answers:

1. ``NO_DATA`` — the body is empty or only whitespace.
2. ``WRONG_DATA_FORMAT`` — not well-formed XML, or refused by the hardened parser (a DOCTYPE, an entity
   declaration, more than 1 MiB).
3. ``REQUEST_FORMAT`` — the root is not ``request``; there is not exactly one ``<auth>``; there is not exactly
   one of ``<message>``/``<sms_id>``/``<balance>`` (other elements are ignored); ``<auth>`` holds more than
   one ``<login>``/``<password>``; ``<message>`` holds more than one ``<from>``/``<text>`` or no
   ``<recipient>``; the ``<sms_id>`` is not an unsigned integer; a value element holds child elements.
4. ``AUTH_DATA`` — unknown login (compared without surrounding whitespace), wrong password (compared exactly),
   or ``<login>``/``<password>`` missing.
5. ``API_DISABLED`` — the account's ``api_enabled`` flag is off.

Then, for send:

6. ``USER_NOT_MODERATED`` — the account's ``moderated`` flag is off.
7. ``INCORRECT_FROM`` — the sender (without surrounding whitespace) is malformed. The rule: either 1..11
   characters of ``A-Z a-z 0-9``, space, ``.``, ``_``, ``-`` with at least one ASCII letter and no leading or
   trailing space (an alphanumeric sender), or 1..15 ASCII digits (a numeric sender). A missing ``<from>``
   is an empty sender.
8. ``INVALID_FROM`` — well-formed but not one of the account's registered ``senders`` (case-sensitive).
9. ``NO_MESSAGE`` — the text is missing, empty or only whitespace.
10. ``MESSAGE_TOO_LONG`` — more than 459 characters when every character is GSM-7, more than 402 when any
    is not (characters = Unicode code points, as the documents say "characters"; see `smsgate._segments`).
11. ``MAX_MESSAGES_COUNT`` — more than 50 ``<recipient>`` elements.
12. ``INCORRECT_RECIPIENT_<value>`` — the first recipient that, without surrounding whitespace, is not 7..15
    ASCII digits or is not a possible number for ``phonenumbers`` when given a leading ``+``. ``<value>`` is
    the element's text exactly as sent. Nothing is sent to anyone.
13. ``NOT_ENOUGH_MONEY`` — balance < ``price_per_part`` × parts × recipients. Nothing is charged.

For status: ``MESSAGE_NOT_EXIST`` when no message has that id or it belongs to another account.
``UNKNOWN_ERROR`` is never produced by a request; inject it with the ``error_code`` fault.

Success:

* send → ``<name>Complete</name><description>N messages put into queue</description>`` and one ``<sms_id>``
  per recipient, in recipient order (duplicates included). Ids are integers from 633217 (as in the documents),
  increasing, shared by all accounts. The account is charged ``price_per_part`` (default 0.50) for each part
  of each recipient; parts come from `smsgate._segments.analyze`: one part up to 160 GSM-7 septets (extension
  characters count 2) or 70 UTF-16 units, else parts of 153 septets or 67 units.
* status → ``<name> Status</name>`` (with the documented leading space; ``status_leading_space=False`` drops
  it) and one of MESSAGE_IN_QUEUE, MESSAGE_IS_SENT, MESSAGE_IS_DELIVERED, MESSAGE_NOT_DELIVERED in
  ``<description>``. A message is in the queue when created, sent 5 emulated seconds later, and final 30
  emulated seconds after creation: NOT_DELIVERED when the recipient's last digit is one of the account's
  ``undelivered_last_digits`` (default ``"9"``), else DELIVERED. Computed lazily from the emulated clock.
* balance → ``<name>Balance</name><description>12.50</description><currency>UAH</currency>`` (two decimals).

Layout: ``_provider`` (`LetsAds`: accounts and messages, authentication, the handler table), ``_state`` (the
data, status and error codes, limits), ``_seed``, ``_request`` (reading the XML, sender and recipient rules),
``_send``/``_status``/``_balance`` (one handler per operation), ``_replies`` (every reply shape).
"""

from smsgate.emulator._letsads._provider import LetsAds
from smsgate.emulator._letsads._request import recipient_is_valid, sender_is_well_formed
from smsgate.emulator._letsads._seed import LETSADS_DEFAULT_SEED, LetsAdsAccountSeed, LetsAdsSeed, validate_seed
from smsgate.emulator._letsads._state import LetsAdsAccount, LetsAdsError, LetsAdsMessage, LetsAdsStatus

__all__ = [
    "LETSADS_DEFAULT_SEED",
    "LetsAds",
    "LetsAdsAccount",
    "LetsAdsAccountSeed",
    "LetsAdsError",
    "LetsAdsMessage",
    "LetsAdsSeed",
    "LetsAdsStatus",
    "recipient_is_valid",
    "sender_is_well_formed",
    "validate_seed",
]
