"""send.php (operation ``send``; ``cost`` when cost=1), after the checks every script shares (see the package).

Error precedence (the first failing check answers; ``area.N`` = errors.toml key):

5. **send.1** — ``phones`` missing or blank; ``mes`` missing or blank (allowed for an HLR request,
   ``hlr=1``, or a ping, ``ping=1``, each charged as one part); ``mes`` over 1000 characters; ``id`` not
   ``[A-Za-z0-9._-]{1,40}`` (``0`` or empty: no client id); ``cost`` not 0..3; ``translit`` not 0..2;
   ``tz`` not an integer -12..12; ``valid`` not ``hh:mm``; ``maxsms`` not a positive integer; a flag
   (``tinyurl``, ``flash``, ``push``, ``hlr``, ``bin`` (0..2), ``ping``, ``mms``, ``call``, ``viber``) out of range.
6. **send.5** — ``time`` is none of ``DDMMYYhhmm``, ``DD.MM.YY hh:mm``, ``h1-h2``, ``0<unix time>``,
   ``+<minutes>`` (times are Moscow time shifted by ``tz`` hours; a past time sends now).
7. **send.6** — ``sender`` given, not ``""``/``"."``, and not one of the account's ``senders`` (a
   sub-client created with ``fl[29]=1`` may also use its parent's). Without ``sender`` the first registered
   one is used; ``""``/``"."`` send without a name.
8. **send.7** — a recipient (``,``/``;`` list; blanks ignored, duplicates merged) that is not ``+``-optional
   7..15 digits making a possible number (``G<n>`` contact groups are not emulated and land here too).
   Without ``+``, an 11-digit number starting with 8 is corrected to 7…, as the real server does.
9. **send.8** — a recipient starting with one of the seed's ``undeliverable_prefixes`` (``882``, ``883``).
10. **send.9** — the same ``id`` was sent to one of these phones by this account less than 60 emulated seconds
    ago (`Smsc.DUPLICATE_WINDOW`: what makes sends with a client id idempotent); or, when rate limits are on,
    a sixth identical cost=1 request within a minute.
11. **send.3** — balance + credit (of the account paying: a sub-client of type 2, 3 or 4 spends its parent's)
    is below ``price_per_part`` × parts × recipients. cost=1 checks no money.

The other flags (``flash``, ``viber``…) and ``valid`` are checked, then ignored: every message is an SMS.
Then it sends: ``mes`` is transliterated (translit 1 and 2 alike), cut to ``maxsms`` parts, and each recipient
is charged per part (`smsgate._segments.analyze`: 160 Latin / 70 Cyrillic, 153 / 67 per part). The reply
``id`` is the caller's id (a number when it is one, 1..2147483647) or a new number from ``first_message_id``.

"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING, Final

from smsgate._segments import analyze
from smsgate.emulator._letsads import recipient_is_valid
from smsgate.emulator._server import Reply
from smsgate.emulator._smsc._replies import send_reply
from smsgate.emulator._smsc._request import NO_CLIENT_ID, Context, Params, Refused, normalize_phone, schedule
from smsgate.emulator._smsc._state import SmscAccount, SmscMessage

if TYPE_CHECKING:
    from smsgate.emulator._smsc._provider import Smsc

__all__ = ["send", "transliterate"]

_HHMM: Final = re.compile(r"[0-9]{1,2}:[0-5][0-9]")
_LATIN: Final = ("a", "b", "v", "g", "d", "e", "yo", "zh", "z", "i", "j", "k", "l", "m", "n", "o", "p")
_LATIN_2: Final = ("r", "s", "t", "u", "f", "h", "c", "ch", "sh", "shh", '"', "y", "'", "e", "yu", "ya")
_TRANSLIT: Final = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя", _LATIN + _LATIN_2, strict=True))


def transliterate(text: str) -> str:
    """Russian Cyrillic to Latin letters, as SMSC's ``translit=1`` does (other characters are kept)."""
    out: list[str] = []
    for char in text:
        latin = _TRANSLIT.get(char.lower())
        if latin is None:
            out.append(char)
        elif char.isupper():
            out.append(latin.capitalize() if latin.isalpha() else latin)
        else:
            out.append(latin)
    return "".join(out)


def send(smsc: Smsc, ctx: Context, account: SmscAccount, params: Params) -> Reply:
    """Send (or price, cost=1) ``mes`` to ``phones``."""
    raw_phones, text = params.text("phones"), params.get("mes") or ""
    # An HLR request or a ping carries no text: the official libraries' own examples send an empty ``mes``.
    service = params.text("hlr") == "1" or params.text("ping") == "1"
    if not raw_phones or (not text.strip() and not service) or len(text) > smsc.MAX_TEXT:
        raise Refused(1)
    if params.text("id") not in NO_CLIENT_ID and ctx.client_id is None:
        raise Refused(1)
    cost_mode = params.choice("cost", 0, 3)
    translit = params.choice("translit", 0, 2)
    tz = params.choice("tz", -12, 12)
    for flag in ("tinyurl", "flash", "push", "hlr", "ping", "mms", "call", "viber"):
        params.choice(flag, 0, 1)
    params.choice("bin", 0, 2)
    valid = params.text("valid")
    if valid and not _HHMM.fullmatch(valid):
        raise Refused(1)
    maxsms_text = params.text("maxsms")
    if maxsms_text and (not maxsms_text.isdigit() or not 1 <= int(maxsms_text) <= 1000):
        raise Refused(1)
    now = smsc._clock.now()
    send_at = schedule(params.text("time"), tz, now)
    if send_at is None:
        raise Refused(5)
    sender = _sender(smsc, account, params)
    phones = _phones(smsc, raw_phones)
    if translit:
        text = transliterate(text)
    if maxsms_text:
        text = _cut(text, int(maxsms_text))
    segments = analyze(text)
    parts = max(segments.parts, 1) if service else segments.parts  # an HLR request or ping: one unit
    price = smsc._tariff(account) * parts
    total = price * len(phones)
    cnt = parts * len(phones)
    if cost_mode == 1:
        request = sorted((k, v) for k, v in params.raw.items() if k not in ("login", "psw", "apikey"))
        smsc._limited(("cost", account.login, repr(request)), smsc.MAX_COST_REQUESTS)
        return send_reply(ctx, cost_mode, None, cnt, total, None)
    if ctx.client_id is not None:
        window = timedelta(seconds=smsc.DUPLICATE_WINDOW)
        for phone in phones:
            last = smsc._sent.get((account.login, ctx.client_id, phone))
            if last is not None and now - last < window:
                raise Refused(9)
    payer = smsc._payer(account)
    if payer.balance + payer.credit < total:
        raise Refused(3)
    if ctx.client_id is not None:
        message_id = ctx.client_id
    else:
        message_id = str(smsc._next_id)
        smsc._next_id += 1
    payer.balance -= total
    for phone in phones:
        smsc.messages.append(
            SmscMessage(
                id=message_id,
                login=account.login,
                phone=phone,
                text=text,
                sender=sender,
                encoding=segments.encoding,
                parts=parts,
                cost=price,
                created_at=now,
                send_at=send_at,
                delivered=phone[-1] not in account.undelivered_last_digits,
                _clock=smsc._clock,
            )
        )
        smsc._sent[(account.login, message_id, phone)] = now
    return send_reply(ctx, cost_mode, message_id, cnt, total, payer.balance)


def _sender(smsc: Smsc, account: SmscAccount, params: Params) -> str:
    if not params.has("sender"):
        senders = smsc._senders(account)
        return senders[0] if senders else ""
    sender = params.text("sender")
    if sender in ("", "."):
        return ""
    if sender not in smsc._senders(account):
        raise Refused(6)
    return sender


def _phones(smsc: Smsc, raw: str) -> list[str]:
    phones: list[str] = []
    for entry in re.split(r"[,;]", raw):
        if not entry.strip():
            continue
        digits = normalize_phone(entry)
        if digits is None or not recipient_is_valid(digits):
            raise Refused(7)
        if digits not in phones:
            phones.append(digits)
    if not phones:
        raise Refused(1)
    if any(phone.startswith(prefix) for phone in phones for prefix in smsc.undeliverable_prefixes):
        raise Refused(8)
    return phones


def _cut(text: str, max_parts: int) -> str:
    """The longest prefix of `text` that fits in `max_parts` parts."""
    if analyze(text).parts <= max_parts:
        return text
    low, high = 0, len(text)
    while low < high:
        middle = (low + high + 1) // 2
        if analyze(text[:middle]).parts <= max_parts:
            low = middle
        else:
            high = middle - 1
    return text[:low]
