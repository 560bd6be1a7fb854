"""SMSLeads' vocabulary: the 19 commands, the result codes (``<status>``) and the page's text for each, the
delivery status codes, and `Refused`, which a handler raises to answer with a result code.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Final

__all__ = [
    "COMMANDS",
    "DLR_STATES",
    "MESSAGES",
    "STATE_TEXTS",
    "Refused",
    "SmsLeadsCode",
    "missing_field",
]

#: The 19 commands, by root element name (``getBlanceSubs`` is misspelt on purpose: it is the real name).
COMMANDS: Final = (
    "sms",
    "bulk",
    "balance",
    "dlr",
    "dlrByDate",
    "incoming",
    "blacklist",
    "rmNumBL",
    "addSub",
    "updateAmountSub",
    "getBlanceSubs",
    "newCL",
    "removeCL",
    "addNumCL",
    "rmNumCL",
    "getCL",
    "getCLbyID",
    "cancel",
    "verify_phone",
)


class SmsLeadsCode(StrEnum):
    """The API result codes (``<status>``) of the page's table, plus 0 (success)."""

    OK = "0"
    XML_PARSE_ERROR = "1"
    MISSING_FIELD = "2"
    TOKEN_INVALID = "3"  # noqa: S105 - a result code, not a secret
    NOT_ENOUGH_CREDIT = "4"
    NO_PERMISSION_NOW = "5"
    PROCESS_FAILURE = "6"
    USE_BULK = "7"
    ALL_BLACKLISTED = "8"
    BAD_LENGTH = "9"
    TOKEN_EXPIRED = "10"  # noqa: S105 - a result code, not a secret
    TOKEN_MISMATCH = "11"  # noqa: S105 - a result code, not a secret
    INVALID_ACTION = "502"
    NOT_YOUR_SUB_ACCOUNT = "503"
    TOKEN_NOT_FOUND = "504"  # noqa: S105 - a result code, not a secret
    NO_PHONES_TO_VERIFY = "510"
    NO_PERMISSION = "511"
    BAD_PHONES_OR_REASON = "933"
    NOT_IN_BLACKLIST = "944"
    CAMPAIGN_CANCELLED = "955"
    CAMPAIGN_SENT = "966"
    CAMPAIGN_NOT_FOUND = "977"
    BAD_UNSUBSCRIBE = "986"
    NO_CONTACT_LIST = "988"
    BAD_MESSAGE_LENGTH = "989"
    AMOUNT_TOO_LARGE = "990"
    AMOUNT_NOT_DIGITS = "991"
    BAD_SOURCE = "992"
    BAD_PASSWORD = "993"  # noqa: S105 - a result code, not a secret
    USERNAME_EXISTS = "994"
    BAD_USERNAME = "995"
    BAD_NAME = "996"
    UNKNOWN_COMMAND = "997"
    UNKNOWN_REQUEST_ERROR = "998"
    CONTACT_SUPPORT = "999"


#: The page's text for each code (933 as its rmNumBL reply spells it).
MESSAGES: Final[Mapping[str, str]] = {
    "1": "There was a problem parsing your XML",
    "2": "A required field is missing",
    "3": "Username or password is incorrect and API token is invalid",
    "4": "Not enough credit, Purchase Now.",
    "5": "No permission to send SMS at this time",
    "6": "Process failure",
    "7": "You can not send in this format,you need send group in 'bulk', For more – call to Customer Service.",
    "8": "All numbers are on a blocked list",
    "9": "destination/source/message length is too large or too small",
    "10": "Username or password is incorrect and Expired API token",
    "11": "API token is valid but doesn't match username or if you have newer token you should use it instead",
    "502": "action type not valid",
    "503": "username not exist in your account",
    "504": "current token not found",
    "510": "invalid verify_phone request: no phones to verify",
    "511": "you have not permission for this function",
    "933": "Phones or reason not valid",
    "944": "Some of numbers not in blacklist",
    "955": "Campaign already cancel",
    "966": "Campaign already sent",
    "977": "Campaign does not belong to customer or Not exist",
    "986": "Add unsubscribe error- invalid value",
    "988": "Contact list are entered not exist",
    "989": "The message is too long or too short",
    "990": "Amount must be small amount of your credits",
    "991": "The amount must contain only digits",
    "992": "The source is too long or too short",
    "993": "The password is too long or too short",
    "994": "Username already exists",
    "995": "The username is too long or too short",
    "996": "The name is too long or too short",
    "997": "Not a valid command sent",
    "998": "There was an unknown error in the request",
    "999": "Contact support",
}


#: Delivery status codes the emulator uses, with their state in errors.toml's ``[statuses]`` table.
DLR_STATES: Final[Mapping[int, str]] = {-1: "sent", 102: "delivered", 101: "undelivered"}
#: ``he_message``/``en_message`` for each state of errors.toml's ``[statuses]`` table.
STATE_TEXTS: Final[Mapping[str, tuple[str, str]]] = {
    "sent": ("נשלח", "Sent"),
    "delivered": ("הגיע ליעד", "Delivered"),
    "undelivered": ("לא הגיע ליעד", "Not delivered"),
    "expired": ("פג תוקף", "Expired"),
    "rejected": ("נדחה", "Rejected"),
}


class Refused(Exception):
    """A refused request: the reply carries `code` and `message` (the page's text for the code by default)."""

    def __init__(self, code: SmsLeadsCode, message: str | None = None) -> None:
        super().__init__(code.value)
        self.code = code
        self.message = message if message is not None else MESSAGES[code.value]


def missing_field(name: str) -> Refused:
    """``2``, naming the missing element."""
    return Refused(SmsLeadsCode.MISSING_FIELD, f"Missing field: {name}")
