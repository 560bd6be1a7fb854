"""The provider table: everything the command line knows about each provider (its client, credentials,
wire format, and the functions of `send`, `status` and `balance`).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._env import BASE_URL, env_value, env_var
from ._calls import (
    BalanceOutput,
    SendArgs,
    SendOutput,
    StatusArgs,
    StatusRow,
    balance_letsads,
    balance_smsc,
    balance_smsclub,
    balance_smsleads,
    send_letsads,
    send_smsc,
    send_smsclub,
    send_smsleads,
    status_letsads,
    status_smsc,
    status_smsclub,
    status_smsleads,
)
from ._output import usage_error

if TYPE_CHECKING:
    from .._spec import ProviderSpec


__all__ = [
    "DEFAULT_PROVIDER",
    "PROVIDERS",
    "Credential",
    "ProviderEntry",
    "provider_entry",
    "resolve_base_url",
    "resolve_credentials",
    "secret_values",
]


# ---------------------------------------------------------------------------------------------------
# The provider table.
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Credential:
    """A constructor keyword of the provider's client; ``secret`` ones are never echoed."""

    name: str
    secret: bool

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")


@dataclass(frozen=True, slots=True)
class ProviderEntry:
    """Everything the command line knows about one provider."""

    id: str
    display_name: str
    #: The sync client's name in the `smsgate` namespace; its keyword arguments are the credentials.
    client_class: str
    #: The generated module holding ``SPEC`` (its codec validates documents).
    spec_module: str
    #: "xml" (XSD: the codec's ``validate``) or "json" (JSON Schema: the codec's ``check``).
    wire_format: str
    credentials: tuple[Credential, ...]
    send: Callable[[Any, SendArgs], SendOutput]
    status: Callable[[Any, StatusArgs], list[StatusRow]]
    balance: Callable[[Any], BalanceOutput]
    #: The alternative sets of credentials the client takes (SMSC: login + password, or an API key);
    #: empty: all of `credentials`.
    credential_sets: tuple[tuple[str, ...], ...] = ()

    def env_var(self, credential: Credential) -> str:
        """``SMSGATE_<PROVIDER>_<NAME>``: the SDK's one convention (`smsgate._env`), shared with the clients."""
        return env_var(self.id, credential.name)

    def spec(self) -> ProviderSpec:
        spec: ProviderSpec = importlib.import_module(self.spec_module).SPEC
        return spec

    def sets(self) -> tuple[tuple[str, ...], ...]:
        return self.credential_sets or (tuple(c.name for c in self.credentials),)

    def credential(self, name: str) -> Credential:
        return next(c for c in self.credentials if c.name == name)

    def json_schema(self) -> dict[str, Any]:
        """The provider's JSON Schema document (JSON providers only)."""
        from importlib.resources import files

        package = self.spec_module.rpartition(".")[0]
        document: dict[str, Any] = json.loads((files(package) / f"{self.id}.schema.json").read_text("utf-8"))
        return document

    def sync_client(self, credentials: Mapping[str, str], **options: Any) -> Any:
        import smsgate

        cls = getattr(smsgate, self.client_class)
        return cls(**credentials, **options)


def _describe_set(entry: ProviderEntry, names: Sequence[str]) -> str:
    return " and ".join(entry.credential(n).option for n in names)


def resolve_credentials(entry: ProviderEntry, given: Mapping[str, str | None]) -> dict[str, str]:
    """Options first, then ``SMSGATE_<PROVIDER>_<NAME>``; a missing one is a usage error.

    With alternative sets (SMSC), the options given pick the set; without options, the first complete
    set wins. Values are never part of a message, only option and variable names.
    """
    known = {c.name for c in entry.credentials}
    foreign = [name for name, value in given.items() if value and name not in known]
    if foreign:
        takes = ", ".join(c.option for c in entry.credentials)
        usage_error(
            f"{entry.display_name} takes {takes}; not " + ", ".join("--" + n.replace("_", "-") for n in foreign)
        )
    values: dict[str, str] = {}
    for credential in entry.credentials:
        value = given.get(credential.name) or env_value(entry.id, credential.name)
        if value:
            values[credential.name] = value
    from_options = {name for name, value in given.items() if value}
    sets = entry.sets()
    candidates = [s for s in sets if from_options <= set(s)]
    if not candidates:
        usage_error(
            f"{entry.display_name}: give either " + ", or ".join(_describe_set(entry, s) for s in sets) + ", not both"
        )
    for names in candidates:
        if all(n in values for n in names):
            return {n: values[n] for n in names}

    def missing(names: Sequence[str]) -> str:
        return "; ".join(
            f"{entry.credential(n).option} or {entry.env_var(entry.credential(n))}" for n in names if n not in values
        )

    if len(candidates) == 1:
        usage_error(f"{entry.display_name} needs credentials: give {missing(candidates[0])}")
    usage_error(f"{entry.display_name} needs credentials: give " + ", or ".join(f"({missing(s)})" for s in candidates))


def _url_problem(url: str) -> str | None:
    """Why `url` cannot be a base URL (None when it can): only http(s) URLs with a host reach a provider."""
    import httpx

    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return "is not a URL"
    if parsed.scheme not in ("http", "https"):
        return "needs http:// or https://"
    if not parsed.host:
        return "has no host"
    return None


def resolve_base_url(entry: ProviderEntry, given: str | None) -> str | None:
    """``--base-url``, else ``SMSGATE_<PROVIDER>_BASE_URL``, else None (the provider's own); a malformed one is
    a usage error that names where it came from (never its value: a URL may hold credentials)."""
    source = "--base-url" if given else env_var(entry.id, BASE_URL)
    url = given or env_value(entry.id, BASE_URL)
    if url is None:
        return None
    if problem := _url_problem(url):
        usage_error(f"{source} {problem} (e.g. http://127.0.0.1:8765/{entry.id} for the emulator)")
    return url


def secret_values(entry: ProviderEntry, given: Mapping[str, str | None]) -> list[str]:
    """Every secret the command could see (options and variables, used or not): redacted from all output."""
    found = []
    for credential in entry.credentials:
        if credential.secret:
            found += [v for v in (given.get(credential.name), env_value(entry.id, credential.name)) if v]
    return found


def provider_entry(provider: str) -> ProviderEntry:
    try:
        return PROVIDERS[provider.lower()]
    except KeyError:
        usage_error(f"unknown provider {provider!r}; choose one of: {', '.join(PROVIDERS)}")


PROVIDERS: dict[str, ProviderEntry] = {
    entry.id: entry
    for entry in (
        ProviderEntry(
            id="letsads",
            display_name="LetsAds",
            client_class="LetsAds",
            spec_module="smsgate_generated.letsads.client",
            wire_format="xml",
            credentials=(Credential("login", secret=False), Credential("password", secret=True)),
            send=send_letsads,
            status=status_letsads,
            balance=balance_letsads,
        ),
        ProviderEntry(
            id="smsleads",
            display_name="SMSLeads",
            client_class="SmsLeads",
            spec_module="smsgate_generated.smsleads.client",
            wire_format="xml",
            credentials=(Credential("username", secret=False), Credential("token", secret=True)),
            send=send_smsleads,
            status=status_smsleads,
            balance=balance_smsleads,
        ),
        ProviderEntry(
            id="smsclub",
            display_name="SMSClub",
            client_class="SmsClub",
            spec_module="smsgate_generated.smsclub.client",
            wire_format="json",
            credentials=(Credential("token", secret=True),),
            send=send_smsclub,
            status=status_smsclub,
            balance=balance_smsclub,
        ),
        ProviderEntry(
            id="smsc",
            display_name="SMSC",
            client_class="Smsc",
            spec_module="smsgate_generated.smsc.client",
            wire_format="json",
            credentials=(
                Credential("login", secret=False),
                Credential("password", secret=True),
                Credential("api_key", secret=True),
            ),
            credential_sets=(("login", "password"), ("api_key",)),
            send=send_smsc,
            status=status_smsc,
            balance=balance_smsc,
        ),
    )
}
DEFAULT_PROVIDER = "letsads"
