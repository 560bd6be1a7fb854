"""Reading and checking ``provider.toml`` and ``errors.toml``: every mistake is reported with its file."""

from __future__ import annotations

import keyword
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["ErrorCode", "ManifestError", "Operation", "Param", "Provider", "Status", "load_provider"]

CATEGORIES = frozenset(
    {
        "authentication",
        "permission",
        "invalid_request",
        "invalid_recipient",
        "invalid_sender",
        "message_too_long",
        "insufficient_funds",
        "rate_limit",
        "duplicate",
        "not_found",
        "unavailable",
        "unknown",
    }
)
STATES = frozenset({"queued", "sent", "delivered", "undelivered", "expired", "rejected", "unknown"})
#: Schema languages: "xml" (XSD → xsdata) and "json" (JSON Schema → datamodel-codegen).
FORMATS = frozenset({"xml", "json"})
#: Request body encodings: the schema's own ("xml", "json") or HTML-form parameters with JSON replies.
CODECS = frozenset({"xml", "json", "form"})


class ManifestError(ValueError):
    pass


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    doc: str
    convert: str | None = None
    check: str | None = None
    keyword_only: bool = False
    default: str | None = None


@dataclass(frozen=True)
class Operation:
    name: str
    doc: str
    method: str
    path: str
    idempotent: bool
    response: str
    result: str
    decode: str
    decode_args: tuple[str, ...]
    #: The request model tree; None when the operation sends an empty body (no `request` in the manifest).
    request: dict[str, Any] | None
    params: tuple[Param, ...]
    command: str = ""
    repairs: tuple[str, ...] = ()
    #: A hooks function checking several arguments together (as given, after each passed its own
    #: convert/check), called with `validate_args` as keywords before the request is built.
    validate: str | None = None
    validate_args: tuple[str, ...] = ()
    #: `[operations.<op>.dedupe]`: the parameter carrying an idempotency key the provider de-duplicates on
    #: for `dedupe_window` seconds; a repeat answered "duplicate" gives `on_duplicate(error, **args)`.
    dedupe_key: str | None = None
    dedupe_window: float | None = None
    on_duplicate: str | None = None
    on_duplicate_args: tuple[str, ...] = ()


@dataclass(frozen=True)
class Credential:
    name: str
    secret: bool
    doc: str
    optional: bool = False


@dataclass(frozen=True)
class ErrorCode:
    code: str
    category: str
    description: str
    retryable: bool
    not_sent: bool
    operations: tuple[str, ...]
    prefix: bool
    detail: str | None


@dataclass(frozen=True)
class Status:
    code: str
    name: str
    state: str
    description: str


@dataclass(frozen=True)
class Provider:
    id: str
    display_name: str
    class_name: str
    format: str
    codec: str
    schema: str
    base_url: str
    alternate_base_urls: tuple[str, ...]
    content_type: str
    hooks: str
    error_code: str
    reply_error: str | None
    doc: str
    auth_header: dict[str, str] | None
    credentials: tuple[Credential, ...]
    auth_body: dict[str, Any] | None
    #: Form parameter name -> "$credential": credentials sent as request parameters.
    auth_form: dict[str, str] | None
    #: Alternative credential sets, e.g. [["login", "password"], ["api_key"]]: exactly one must be given.
    auth_one_of: tuple[tuple[str, ...], ...]
    operations: tuple[Operation, ...]
    errors: tuple[ErrorCode, ...]
    statuses: tuple[Status, ...]
    #: Result codes that mean success: "*" for every operation, else per command (added to "*").
    success: dict[str, tuple[str, ...]]
    imports: tuple[tuple[str, str], ...]
    directory: Path = field(compare=False)
    #: The provider's documented request rate (requests per second): the clients' default `rate_limit=`.
    rate_limit: float | None = None
    #: `[provider] code_tables`: tables of errors.toml that only describe secondary codes (name -> code ->
    #: description), e.g. SMSC's `[err]` sub-codes of a message status.
    code_tables: dict[str, dict[str, str]] = field(default_factory=dict)


def _req(table: dict[str, Any], key: str, where: str, kind: type = str) -> Any:
    if key not in table:
        raise ManifestError(f"{where}: missing `{key}`")
    value = table[key]
    if not isinstance(value, kind):
        raise ManifestError(f"{where}: `{key}` must be {kind.__name__}")
    return value


def _identifier(name: str, where: str) -> str:
    if not name.isidentifier() or keyword.iskeyword(name):
        raise ManifestError(f"{where}: {name!r} is not a valid Python identifier")
    return name


def load_provider(directory: Path) -> Provider:
    manifest_path = directory / "provider.toml"
    errors_path = directory / "errors.toml"
    where = str(manifest_path)
    with manifest_path.open("rb") as fh:
        data = tomllib.load(fh)
    with errors_path.open("rb") as fh:
        errors = tomllib.load(fh)

    p = _req(data, "provider", where, dict)
    pid = _req(p, "id", where)
    if pid != directory.name:
        raise ManifestError(f"{where}: provider id {pid!r} must equal its folder name {directory.name!r}")
    fmt = _req(p, "format", where)
    if fmt not in FORMATS:
        raise ManifestError(f"{where}: unknown format {fmt!r} (known: {sorted(FORMATS)})")
    codec = p.get("codec", fmt)
    if codec not in CODECS:
        raise ManifestError(f"{where}: unknown codec {codec!r} (known: {sorted(CODECS)})")
    schema = _req(p, "schema", where)
    if not (directory / schema).is_file():
        raise ManifestError(f"{where}: schema file {schema!r} not found")

    auth = data.get("auth", {})
    credentials = tuple(
        Credential(
            name=_identifier(_req(c, "name", where), where),
            secret=bool(c.get("secret", False)),
            doc=c.get("doc", ""),
            optional=bool(c.get("optional", False)),
        )
        for c in auth.get("credentials", [])
    )
    operations = []
    for name, op in sorted(data.get("operations", {}).items()):
        owhere = f"{where} [operations.{name}]"
        params = tuple(
            Param(
                name=_identifier(_req(x, "name", owhere), owhere),
                type=_req(x, "type", owhere),
                doc=x.get("doc", ""),
                convert=x.get("convert"),
                check=x.get("check"),
                keyword_only=bool(x.get("keyword_only", False)),
                default=x.get("default"),
            )
            for x in op.get("params", [])
        )
        known = {x.name for x in params}
        repairs = tuple(op.get("repairs", p.get("repairs", [])))
        for rule in repairs:
            _identifier(rule, owhere)
        for x in params:
            for fn in (x.convert, x.check):
                if fn is not None:
                    _identifier(fn.removeprefix("hooks:"), owhere)
        for arg in op.get("decode_args", []):
            if arg not in known:
                raise ManifestError(f"{owhere}: decode_args names {arg!r}, which is not a parameter")
        validate = op.get("validate")
        if validate is not None:
            _identifier(validate, owhere)
        elif op.get("validate_args"):
            raise ManifestError(f"{owhere}: validate_args without validate")
        for arg in op.get("validate_args", []):
            if arg not in known:
                raise ManifestError(f"{owhere}: validate_args names {arg!r}, which is not a parameter")
        dedupe = op.get("dedupe")
        if dedupe is not None:
            dwhere = f"{owhere} [dedupe]"
            key = _req(dedupe, "key", dwhere)
            window = dedupe.get("window")
            if key not in known:
                raise ManifestError(f"{dwhere}: key names {key!r}, which is not a parameter")
            if isinstance(window, bool) or not isinstance(window, int | float) or window <= 0:
                raise ManifestError(f"{dwhere}: `window` must be a positive number of seconds")
            _identifier(_req(dedupe, "on_duplicate", dwhere), dwhere)
            for arg in dedupe.get("args", []):
                if arg not in known:
                    raise ManifestError(f"{dwhere}: args names {arg!r}, which is not a parameter")
        operations.append(
            Operation(
                name=_identifier(name, owhere),
                doc=_req(op, "doc", owhere).strip(),
                method=_req(op, "method", owhere).upper(),
                path=op.get("path", ""),
                idempotent=bool(_req(op, "idempotent", owhere, bool)),
                response=_req(op, "response", owhere),
                result=_req(op, "result", owhere),
                decode=_req(op, "decode", owhere),
                decode_args=tuple(op.get("decode_args", [])),
                request=_req(op, "request", owhere, dict) if "request" in op else None,
                params=params,
                command=op.get("command", name),
                repairs=repairs,
                validate=validate,
                validate_args=tuple(op.get("validate_args", [])),
                dedupe_key=dedupe["key"] if dedupe else None,
                dedupe_window=float(dedupe["window"]) if dedupe else None,
                on_duplicate=dedupe["on_duplicate"] if dedupe else None,
                on_duplicate_args=tuple(dedupe.get("args", [])) if dedupe else (),
            )
        )

    ewhere = str(errors_path)
    if errors.get("provider") != pid:
        raise ManifestError(f"{ewhere}: `provider` must be {pid!r}")
    codes = []
    for code, row in sorted(errors.get("codes", {}).items()):
        rwhere = f"{ewhere} [codes.{code}]"
        category = _req(row, "category", rwhere)
        if category not in CATEGORIES:
            raise ManifestError(f"{rwhere}: unknown category {category!r} (known: {sorted(CATEGORIES)})")
        match = row.get("match", "exact")
        if match not in {"exact", "prefix"}:
            raise ManifestError(f"{rwhere}: match must be 'exact' or 'prefix'")
        codes.append(
            ErrorCode(
                code=code,
                category=category,
                description=_req(row, "description", rwhere),
                retryable=_req(row, "retryable", rwhere, bool),
                not_sent=_req(row, "not_sent", rwhere, bool),
                operations=tuple(row.get("operations", [])),
                prefix=match == "prefix",
                detail=row.get("detail"),
            )
        )
    # Extra tables of error rows, named by the manifest (`[provider] error_sections`): same row format as
    # [codes], each row's code is "<section>.<key>" (e.g. SMSClub's per-field `add_info` rejections).
    for section in p.get("error_sections", []):
        if section in {"provider", "codes", "statuses", "success"} or not isinstance(errors.get(section), dict):
            raise ManifestError(f"{where}: error_sections names {section!r}, which is not a table of {ewhere}")
        for key, row in sorted(errors[section].items()):
            rwhere = f"{ewhere} [{section}.{key}]"
            category = _req(row, "category", rwhere)
            if category not in CATEGORIES:
                raise ManifestError(f"{rwhere}: unknown category {category!r} (known: {sorted(CATEGORIES)})")
            codes.append(
                ErrorCode(
                    code=f"{section}.{key}",
                    category=category,
                    description=_req(row, "description", rwhere),
                    retryable=_req(row, "retryable", rwhere, bool),
                    not_sent=_req(row, "not_sent", rwhere, bool),
                    operations=tuple(row.get("operations", [])),
                    prefix=False,
                    detail=row.get("detail"),
                )
            )
    statuses = []
    for code, row in sorted(errors.get("statuses", {}).items()):
        swhere = f"{ewhere} [statuses.{code}]"
        state = _req(row, "state", swhere)
        if state not in STATES:
            raise ManifestError(f"{swhere}: unknown state {state!r} (known: {sorted(STATES)})")
        statuses.append(
            Status(
                code=code,
                name=_identifier(row.get("name", code), swhere),
                state=state,
                description=_req(row, "description", swhere),
            )
        )

    success_table = errors.get("success", {})
    success: dict[str, tuple[str, ...]] = {}
    if success_table:
        success["*"] = tuple(str(c) for c in success_table.get("codes", []))
        for command, row in sorted(success_table.items()):
            if isinstance(row, dict):
                success[command] = tuple(sorted({*success["*"], *(str(c) for c in row.get("codes", []))}))
    imports = []
    for spec in p.get("imports", []):
        module, _, name = spec.partition(":")
        if not module or not name:
            raise ManifestError(f"{where}: imports entries are 'module:Name', got {spec!r}")
        imports.append((module, _identifier(name, where)))
    names = {c.name for c in credentials}
    for group in auth.get("one_of", []):
        if not set(group) <= names:
            raise ManifestError(f"{where}: [auth] one_of names unknown credentials {sorted(set(group) - names)}")
    header = auth.get("header")
    if header is not None and {"name", "credential", "scheme"} - set(header):
        raise ManifestError(f"{where}: [auth.header] needs name, credential and scheme")

    return Provider(
        id=_identifier(pid, where),
        display_name=_req(p, "display_name", where),
        class_name=_identifier(_req(p, "class_name", where), where),
        format=fmt,
        codec=codec,
        schema=schema,
        base_url=_req(p, "base_url", where),
        alternate_base_urls=tuple(p.get("alternate_base_urls", [])),
        content_type=_req(p, "content_type", where),
        hooks=_req(p, "hooks", where),
        error_code=_req(p, "error_code", where),
        reply_error=p.get("reply_error"),
        doc=_req(p, "doc", where).strip(),
        auth_header=header,
        credentials=credentials,
        auth_body=auth.get("body"),
        auth_form=auth.get("form", {}).get("fields") if auth.get("form") else None,
        auth_one_of=tuple(tuple(group) for group in auth.get("one_of", [])),
        operations=tuple(operations),
        errors=tuple(codes),
        statuses=tuple(statuses),
        success=success,
        imports=tuple(imports),
        directory=directory,
        rate_limit=_rate_limit(p, where),
        code_tables=_code_tables(p, errors, where),
    )


def _code_tables(p: dict[str, Any], errors: dict[str, Any], where: str) -> dict[str, dict[str, str]]:
    tables: dict[str, dict[str, str]] = {}
    for name in p.get("code_tables", []):
        table = errors.get(name)
        if name in {"provider", "codes", "statuses", "success"} or not isinstance(table, dict):
            raise ManifestError(f"{where}: code_tables names {name!r}, which is not a table of errors.toml")
        tables[_identifier(name, where)] = {
            str(code): _req(row, "description", f"{where} errors.toml [{name}.{code}]")
            for code, row in sorted(table.items(), key=lambda item: _code_order(item[0]))
        }
    return tables


def _code_order(code: str) -> tuple[int, str]:
    """Numeric codes in numeric order, then the others."""
    try:
        return (int(code), "")
    except ValueError:
        return (1 << 62, code)


def _rate_limit(p: dict[str, Any], where: str) -> float | None:
    value = p.get("rate_limit")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < float("inf"):
        raise ManifestError(f"{where}: `rate_limit` must be a positive number of requests per second")
    return float(value)
