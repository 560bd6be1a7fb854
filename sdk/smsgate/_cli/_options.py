"""Options shared by several commands."""

from __future__ import annotations

from typing import Annotated

import typer

from ._providers import DEFAULT_PROVIDER, PROVIDERS

__all__ = [
    "ApiKeyOpt",
    "BaseUrlOpt",
    "JsonOpt",
    "LoginOpt",
    "PasswordOpt",
    "ProviderOpt",
    "TimeoutOpt",
    "TokenOpt",
    "UsernameOpt",
]

_CREDENTIALS_PANEL = "Credentials (options, or SMSGATE_<PROVIDER>_<NAME> variables)"

_PROVIDER_HELP = f"Provider: {', '.join(PROVIDERS)} (default: $SMSGATE_PROVIDER, else {DEFAULT_PROVIDER})."
ProviderOpt = Annotated[
    str, typer.Option("--provider", "-p", help=_PROVIDER_HELP, envvar="SMSGATE_PROVIDER", show_default=False)
]
LoginOpt = Annotated[
    str | None,
    typer.Option(
        "--login",
        help="LetsAds, SMSC: the account login ($SMSGATE_LETSADS_LOGIN, $SMSGATE_SMSC_LOGIN).",
        show_default=False,
        rich_help_panel=_CREDENTIALS_PANEL,
    ),
]
PasswordOpt = Annotated[
    str | None,
    typer.Option(
        "--password",
        help="LetsAds, SMSC: the account password. Prefer $SMSGATE_<PROVIDER>_PASSWORD: options show in process lists.",
        show_default=False,
        rich_help_panel=_CREDENTIALS_PANEL,
    ),
]
UsernameOpt = Annotated[
    str | None,
    typer.Option(
        "--username",
        help="SMSLeads: the account username ($SMSGATE_SMSLEADS_USERNAME).",
        show_default=False,
        rich_help_panel=_CREDENTIALS_PANEL,
    ),
]
TokenOpt = Annotated[
    str | None,
    typer.Option(
        "--token",
        help="SMSLeads, SMSClub: the API token. Prefer $SMSGATE_SMSLEADS_TOKEN / $SMSGATE_SMSCLUB_TOKEN.",
        show_default=False,
        rich_help_panel=_CREDENTIALS_PANEL,
    ),
]
ApiKeyOpt = Annotated[
    str | None,
    typer.Option(
        "--api-key",
        help="SMSC: an API key instead of login and password. Prefer $SMSGATE_SMSC_API_KEY.",
        show_default=False,
        rich_help_panel=_CREDENTIALS_PANEL,
    ),
]
BaseUrlOpt = Annotated[
    str | None,
    typer.Option(
        "--base-url",
        help="API base URL, e.g. the emulator's (default: $SMSGATE_<PROVIDER>_BASE_URL, else the provider's).",
        show_default=False,
    ),
]
TimeoutOpt = Annotated[
    float | None,
    typer.Option(
        "--timeout", min=0.1, help="Request timeout in seconds (default 30, 5 to connect).", show_default=False
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout.")]
