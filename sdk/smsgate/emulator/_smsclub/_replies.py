"""SMSClub's reply shapes: the success envelope ``{"success_request": {"info": …, "add_info"?: …}}``, the
validation failure (HTTP 400, ``add_info`` alone), the flat Yii-style error ``{"name", "message", "code",
"status"}`` and the balance, correct or in the page's broken shape. A fix to a reply's shape is made here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from decimal import Decimal
from http import HTTPStatus
from typing import Final

from smsgate.emulator._seedutil import format_money
from smsgate.emulator._server import Reply
from smsgate.emulator._smsclub._state import MONEY

__all__ = [
    "CONTENT_TYPE",
    "balance_reply",
    "error_code_reply",
    "flat_reply",
    "json_reply",
    "success",
    "validation_reply",
]

CONTENT_TYPE: Final = ("Content-Type", "application/json; charset=UTF-8")

_FLAT_MESSAGES: Final = {
    401: ("Unauthorized", "Your request was made with invalid credentials."),
    404: ("Not Found", "Page not found."),
    405: ("Method Not Allowed", "Method Not Allowed. This URL can only handle the following request methods: POST."),
    429: ("Too Many Requests", "Rate limit exceeded."),
    453: ("Error", "Duplicate message: the same text was sent to this number less than 2 minutes ago."),
    500: ("Internal Server Error", "An internal server error occurred."),
    503: ("Service Unavailable", "The service is temporarily unavailable."),
}


def json_reply(
    status: int, payload: object, *, operation: str | None, outcome: str, headers: Iterable[tuple[str, str]] = ()
) -> Reply:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return Reply(status, (CONTENT_TYPE, *headers), body, operation=operation, outcome=outcome)


def flat_reply(status: int, operation: str | None, headers: Iterable[tuple[str, str]] = ()) -> Reply:
    name, message = _FLAT_MESSAGES.get(status) or (_reason(status), _reason(status))
    payload = {"name": name, "message": message, "code": 0, "status": status}
    return json_reply(status, payload, operation=operation, outcome=str(status), headers=headers)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def validation_reply(add_info: object, operation: str | None) -> Reply:
    return json_reply(400, {"success_request": {"add_info": add_info}}, operation=operation, outcome="400")


def success(operation: str, info: object, add_info: object = None) -> Reply:
    """HTTP 200 ``{"success_request": {"info": …, "add_info"?: …}}`` (``add_info`` left out when None)."""
    result: dict[str, object] = {"info": info}
    if add_info is not None:
        result["add_info"] = add_info
    return json_reply(200, {"success_request": result}, operation=operation, outcome="200")


def balance_reply(money: Decimal, currency: str, *, documented: bool) -> Reply:
    """``info`` ``{"money": "8111.1700", "currency": "UAH"}``; `documented`: the page's broken text instead
    (``"info": ["money": …, "currency": …]``, key/value pairs inside an array, not JSON)."""
    text = format_money(money, MONEY)
    if documented:
        body = f'{{"success_request": {{"info": ["money": "{text}", "currency": {json.dumps(currency)}]}}}}'.encode()
        return Reply(200, (CONTENT_TYPE,), body, operation="balance", outcome="200")
    return success("balance", {"money": text, "currency": currency})


def error_code_reply(code: str) -> Reply:
    """The reply of an errors.toml code: ``"400"`` (validation shape), ``"401"``, ``"429"``, ``"453"``,
    ``"500"``, ``"5xx"`` (503) or any other HTTP status 400..599 (flat shape); anything else is a 500."""
    if code == "400":
        return validation_reply({"message": "Input validation error"}, None)
    if code == "5xx":
        return flat_reply(503, None)
    status = int(code) if code.isdigit() and len(code) == 3 else 500
    if not 400 <= status <= 599:
        status = 500
    headers = [("Retry-After", "1")] if status == 429 else []
    if status == 401:
        headers.append(("WWW-Authenticate", 'Bearer realm="api"'))
    return flat_reply(status, None, headers)
