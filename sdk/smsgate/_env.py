"""Environment variables: the one naming convention of the SDK and the CLI.

Every client argument that says *which account* (credentials) or *where* (the base URL) can come from an
environment variable named ``SMSGATE_<PROVIDER>_<ARGUMENT>``: the provider id and the constructor argument,
upper-cased. A client reads a variable only for an argument that is not given; an empty variable counts as
not set.

==========  ====================================================================================
LetsAds     ``SMSGATE_LETSADS_LOGIN``, ``SMSGATE_LETSADS_PASSWORD``, ``SMSGATE_LETSADS_BASE_URL``
SMSLeads    ``SMSGATE_SMSLEADS_USERNAME``, ``SMSGATE_SMSLEADS_TOKEN``, ``SMSGATE_SMSLEADS_BASE_URL``
SMSClub     ``SMSGATE_SMSCLUB_TOKEN``, ``SMSGATE_SMSCLUB_BASE_URL``
SMSC        ``SMSGATE_SMSC_LOGIN``, ``SMSGATE_SMSC_PASSWORD`` or ``SMSGATE_SMSC_API_KEY``,
            ``SMSGATE_SMSC_BASE_URL``
==========  ====================================================================================
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Final

__all__ = ["BASE_URL", "PREFIX", "env_value", "env_var", "missing_credentials_message", "resolve_credentials"]

PREFIX: Final = "SMSGATE_"
#: The argument name of the base URL, as its variable spells it (``SMSGATE_<PROVIDER>_BASE_URL``).
BASE_URL: Final = "base_url"


def env_var(provider: str, argument: str) -> str:
    """The variable of one provider's constructor argument: ``env_var("smsc", "api_key") == "SMSGATE_SMSC_API_KEY"``."""
    return f"{PREFIX}{provider.upper()}_{argument.upper()}"


def env_value(provider: str, argument: str, environ: Mapping[str, str] | None = None) -> str | None:
    """The value of `env_var(provider, argument)`; None when it is unset or empty."""
    value = (os.environ if environ is None else environ).get(env_var(provider, argument), "")
    return value or None


def resolve_credentials(
    provider: str,
    given: Mapping[str, str | None],
    sets: Sequence[Sequence[str]] = (),
    environ: Mapping[str, str] | None = None,
) -> dict[str, str | None]:
    """Fill the credentials not given from the environment.

    With one set of credentials (`sets` empty), each argument not given is read from its variable. With
    alternative sets (SMSC: login and password, or an API key), the environment is read only when no
    credential is given at all, and then the first set whose variables are all set wins, so that a variable
    left over for the other set never makes the arguments ambiguous.
    """
    if not sets:
        return {
            name: value if value is not None else env_value(provider, name, environ) for name, value in given.items()
        }
    if any(value is not None for value in given.values()):
        return dict(given)
    for names in sets:
        values = {name: env_value(provider, name, environ) for name in names}
        if all(values.values()):
            return {name: values.get(name) for name in given}
    return dict(given)


def missing_credentials_message(class_name: str, provider: str, names: Sequence[str]) -> str:
    """How to fix a client built without its credentials: the arguments or their variables."""
    args = " and ".join(f"`{name}`" for name in names)
    variables = ", ".join(env_var(provider, name) for name in names)
    return f"{class_name}: give {args}, or set {variables}"
