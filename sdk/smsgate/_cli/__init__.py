"""The ``smsgate`` command line (the ``cli`` extra: typer and rich).

::

    smsgate demo                        the product in half a minute, against the embedded emulator
    smsgate send / status / balance     one call to a provider (or to the emulator with --base-url)
    smsgate validate FILE               check a request or reply (XML or JSON) against the provider's schema
    smsgate emulator                    run the emulator in the foreground on a loopback port
    smsgate bulk send / report          durable, resumable campaigns (``smsgate._cli_bulk``)

One module per command group: ``_send`` (send, status, balance), ``_validate``, ``_demo`` (the runner; its
chapters in ``_demo_story``, its narrator in ``_demo_run``) and ``_emulator``. The output helpers they share
are in ``_output``, shared options in ``_options``, everything provider-specific in ``_providers`` (one
`ProviderEntry` each) with the per-provider calls in ``_calls``; ``_app`` registers the commands, ``--version``
and shell completion. Imports go one way: ``_app`` → commands → ``_providers``/``_options`` → ``_calls`` →
``_output``.

Exit codes: 0 success; 1 the provider, the transport or a document said no; 2 a usage or validation
error (nothing was sent), a malformed base URL among them. Credentials and base URLs come from options or
the SDK's ``SMSGATE_<PROVIDER>_<ARGUMENT>`` environment variables (`smsgate._env`); secret ones are never
printed, not even in errors.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from typing import Any

__all__ = ["DEFAULT_PROVIDER", "PROVIDERS", "Credential", "ProviderEntry", "build_app", "main"]

_CLI_MISSING: str | None
try:
    import rich  # noqa: F401
    import typer  # noqa: F401
except ModuleNotFoundError as _exc:  # pragma: no cover - exercised only without the extra
    _CLI_MISSING = _exc.name or "typer"
else:
    _CLI_MISSING = None

INSTALL_HINT = "smsgate: the command line needs the 'cli' extra: pip install 'smsgate[cli]'"

#: Where the names this package re-exports live (loaded on first use: the modules need the extra).
_EXPORTS = {
    "DEFAULT_PROVIDER": "._providers",
    "PROVIDERS": "._providers",
    "Credential": "._providers",
    "ProviderEntry": "._providers",
    "build_app": "._app",
    "_candidates": "._validate",
}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point."""
    if _CLI_MISSING is not None:
        print(INSTALL_HINT, file=sys.stderr)
        raise SystemExit(2)
    from ._app import build_app

    build_app()(args=list(argv) if argv is not None else None, prog_name="smsgate")
