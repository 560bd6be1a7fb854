"""`smsgate validate`: a request or reply document against the provider's schema, with structured
problems out of the codec's verdict.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, NoReturn, Protocol, cast

import typer

from .._redact import Redactor
from ._options import JsonOpt, ProviderOpt
from ._output import EXIT_FAILED, TitledTable, make_console, print_json, usage_error
from ._providers import DEFAULT_PROVIDER, ProviderEntry, provider_entry

__all__ = ["JsonProblem", "JsonVerdict", "Problem", "validate_command"]


class _Validating(Protocol):
    def validate(self, data: bytes) -> None: ...


class _Checking(Protocol):
    def check(self, data: Any, name: str) -> None: ...


@dataclass(frozen=True, slots=True)
class Problem:
    line: int | None
    element: str | None
    facet: str | None
    message: str


_LINE = re.compile(r"^line (\d+): ")
_ELEMENT = re.compile(r"^Element '([^']+)'(?:, attribute '([^']+)')?: ")
_FACET = re.compile(r"^\[facet '([^']+)'\] ")


def _problems(codec_message: str) -> list[Problem]:
    """Split "line N: Element 'x': [facet 'f'] text; line M: ..." into rows."""
    problems = []
    for part in re.split(r"; (?=line \d+: )", codec_message):
        line = element = facet = None
        text = part
        if m := _LINE.match(text):
            line, text = int(m.group(1)), text[m.end() :]
        if m := _ELEMENT.match(text):
            element = m.group(1) + (f"/@{m.group(2)}" if m.group(2) else "")
            text = text[m.end() :]
        if m := _FACET.match(text):
            facet, text = m.group(1), text[m.end() :]
        problems.append(Problem(line, element, facet, text.strip()))
    return problems


def _validate_document(entry: ProviderEntry, data: bytes) -> tuple[str, str | None, list[Problem]]:
    """An XML document: (verdict, root element, problems); verdict is "valid", "invalid", "malformed" or
    "refused"."""
    from .. import _xml
    from .._spec import CodecError

    try:
        root = _xml.parse_untrusted(data)
    except _xml.UnsafeXMLError as exc:
        return "refused", None, [Problem(None, None, None, str(exc))]
    except _xml.XMLSyntaxError as exc:
        line = exc.lineno if isinstance(exc.lineno, int) and exc.lineno > 0 else None
        return "malformed", None, [Problem(line, None, None, str(exc.msg or exc))]
    root_name = str(root.tag)
    codec = cast(_Validating, entry.spec().codec)
    try:
        codec.validate(data)
    except CodecError as exc:
        return "invalid", root_name, _problems(str(exc))
    return "valid", root_name, []


# JSON ------------------------------------------------------------------------------------------------

#: Hostile-input bounds of `smsgate validate` for JSON (the SDK reads replies up to the same size).
MAX_JSON_BYTES = 1 << 20
MAX_JSON_DEPTH = 64
_MAX_MESSAGE = 300
#: Keys whose values are credentials: never shown in a problem.
_SECRET_KEYS = frozenset({"psw", "password", "apikey", "api_key", "token"})


@dataclass(frozen=True, slots=True)
class JsonProblem:
    #: A JSON path into the document ("$.phone[1]"); None for a document that does not parse.
    path: str | None
    #: The JSON Schema keyword that failed ("pattern", "required", "type", ...).
    keyword: str | None
    message: str
    line: int | None = None
    column: int | None = None

    def as_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "keyword": self.keyword,
            "message": self.message,
            "line": self.line,
            "column": self.column,
        }


@dataclass(frozen=True, slots=True)
class JsonVerdict:
    #: "valid", "invalid", "malformed" (not JSON) or "refused" (hostile: too big, too deep, duplicate keys).
    verdict: str
    #: The definition checked: the one asked for, the (first) match, or the closest one.
    definition: str | None = None
    #: Every candidate definition the document is valid against.
    matches: tuple[str, ...] = ()
    #: (definition, problem count) of each candidate tried, closest first (auto-detection only).
    ranking: tuple[tuple[str, int], ...] = ()
    problems: tuple[JsonProblem, ...] = ()


class _Refused(ValueError):
    """A JSON document validate will not look into."""


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _Refused(f"the key {key!r} appears twice in one object (readers disagree which one counts)")
        result[key] = value
    return result


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


def _depth(document: Any) -> int:
    """Nesting depth, without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            deepest = max(deepest, depth)
            if depth > MAX_JSON_DEPTH:
                break
            stack.extend((child, depth + 1) for child in (node.values() if isinstance(node, dict) else node))
    return deepest


def _load_json(data: bytes, display_name: str) -> tuple[Any, JsonVerdict | None]:
    """The parsed document, or a malformed/refused verdict. Bounded: size, depth, no duplicate keys, no
    NaN/Infinity, no numbers of thousands of digits."""
    if len(data) > MAX_JSON_BYTES:
        return None, _verdict("refused", f"{len(data)} bytes: over the {MAX_JSON_BYTES}-byte limit")
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        return None, _verdict("malformed", f"not UTF-8: byte {exc.start} ({data[exc.start : exc.start + 1]!r})")
    try:
        document = json.loads(text, object_pairs_hook=_no_duplicate_keys, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        hint = f" ({display_name} documents are JSON)" if text.lstrip().startswith("<") else ""
        return None, JsonVerdict(
            "malformed", problems=(JsonProblem(None, None, exc.msg + hint, exc.lineno, exc.colno),)
        )
    except _Refused as exc:
        return None, _verdict("refused", str(exc))
    except RecursionError:
        return None, _verdict("refused", f"nested deeper than {MAX_JSON_DEPTH} levels")
    except ValueError as exc:  # NaN/Infinity, or an integer beyond Python's digit limit
        return None, _verdict("malformed", str(exc).split("; use")[0])
    if _depth(document) > MAX_JSON_DEPTH:
        return None, _verdict("refused", f"nested deeper than {MAX_JSON_DEPTH} levels")
    return document, None


def _verdict(verdict: str, message: str) -> JsonVerdict:
    return JsonVerdict(verdict, problems=(JsonProblem(None, None, message),))


def _json_path(parts: Sequence[object]) -> str:
    path = "$"
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        elif isinstance(part, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", part):
            path += f".{part}"
        else:
            path += f"[{json.dumps(part, ensure_ascii=False)}]"
    return path


def _secrets_in(document: Any) -> list[str]:
    found: list[str] = []
    stack = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if str(key).lower() in _SECRET_KEYS and isinstance(value, str | int):
                    # As written, and as a schema message quotes it (Python's repr escapes quotes).
                    found += [str(value), repr(str(value))[1:-1]]
                else:
                    stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)
    return found


def _short(text: str) -> str:
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"


def _schema_errors(codec: _Checking, document: Any, name: str, redact: Redactor) -> list[JsonProblem]:
    """Check `document` against ``$defs/<name>`` with the codec's `check`; on failure, one row per violation,
    at its JSON path."""
    from .._spec import CodecError

    try:
        codec.check(document, name)
    except CodecError as exc:
        verdict = str(exc)
    else:
        return []
    # The codec's message joins every violation; the same validator gives them one by one, with their paths.
    validator = getattr(codec, "_validator", None)
    if validator is None:  # pragma: no cover - every JSON codec has it
        return [JsonProblem(None, None, _short(redact(verdict)))]
    from jsonschema.exceptions import best_match

    rows = []
    for error in sorted(validator(name).iter_errors(document), key=lambda e: [str(p) for p in e.absolute_path]):
        message = error.message
        if error.context:
            closest = best_match(error.context)
            message += f"; closest: {_json_path(list(closest.absolute_path))}: {closest.message}"
        path = list(error.absolute_path)
        if path and str(path[-1]).lower() in _SECRET_KEYS:
            message = f"the value breaks '{error.validator}' (a credential: not shown)"
        rows.append(JsonProblem(_json_path(path), str(error.validator), _short(redact(message))))
    return rows


def _fit(schema: Mapping[str, Any], node: Any, document: Any, hops: int = 0) -> int:
    """How much of the document's structure a definition names: its keys that the definition knows
    (recursively, following $ref, combinators and items) and its required keys that are present."""
    if not isinstance(node, dict) or hops > 12:
        return 0
    if isinstance(ref := node.get("$ref"), str) and ref.startswith("#/$defs/"):
        return _fit(schema, schema.get("$defs", {}).get(ref.removeprefix("#/$defs/")), document, hops + 1)
    score = 0
    for keyword in ("allOf", "anyOf", "oneOf"):
        subs = node.get(keyword)
        if isinstance(subs, list) and subs:
            score += max(_fit(schema, sub, document, hops + 1) for sub in subs)
    if isinstance(document, dict):
        properties = node.get("properties", {})
        for key, value in document.items():
            if key in properties:
                score += 1 + _fit(schema, properties[key], value, hops + 1)
        score += sum(1 for key in node.get("required", ()) if key in document)
    elif isinstance(document, list) and document and "items" in node:
        score += _fit(schema, node["items"], document[0], hops + 1)
    return score


def _candidates(schema: Mapping[str, Any]) -> list[str]:
    """The definitions a whole document can be: every request and reply."""
    return [name for name in schema.get("$defs", {}) if name.endswith(("Request", "Response"))]


def _validate_json(entry: ProviderEntry, data: bytes, definition: str | None) -> JsonVerdict:
    """Check a JSON document against one ``$defs`` entry, or find the request/reply definition it fits best."""
    schema = entry.json_schema()
    definitions = schema.get("$defs", {})
    if definition is not None and definition not in definitions:
        usage_error(f"{entry.display_name}'s schema has no definition {definition!r}; it has: {', '.join(definitions)}")
    document, failed = _load_json(data, entry.display_name)
    if failed is not None:
        return failed
    codec = cast(_Checking, entry.spec().codec)
    redact = Redactor(_secrets_in(document))
    if definition is not None:
        problems = _schema_errors(codec, document, definition, redact)
        if problems:
            return JsonVerdict("invalid", definition, problems=tuple(problems))
        return JsonVerdict("valid", definition, matches=(definition,))
    tried = []
    for index, name in enumerate(_candidates(schema)):
        problems = _schema_errors(codec, document, name, redact)
        wrong_type = any(p.path == "$" and p.keyword == "type" for p in problems)
        fit = _fit(schema, definitions[name], document)
        tried.append(((wrong_type, -fit, len(problems), index), name, problems))
    tried.sort(key=lambda t: t[0])
    ranking = tuple((name, len(problems)) for _, name, problems in tried)
    matches = tuple(name for _, name, problems in tried if not problems)
    if matches:
        return JsonVerdict("valid", matches[0], matches=matches, ranking=ranking)
    _, closest, problems = tried[0]
    return JsonVerdict("invalid", closest, ranking=ranking, problems=tuple(problems))


def validate_command(
    file: Annotated[
        Path,
        typer.Argument(help="A request or reply document; '-' reads standard input.", allow_dash=True),
    ],
    provider: ProviderOpt = DEFAULT_PROVIDER,
    definition: Annotated[
        str | None,
        typer.Option(
            "--definition",
            "-d",
            help="JSON providers: the $defs entry of the provider's JSON Schema to check against, e.g. "
            "SendRequest (default: try every request and reply definition and report the best match).",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Check a request or reply document against the provider's schema and say exactly what is wrong.

    LetsAds, SMSLeads (XML): against the XSD, with line, element and facet of every problem. DOCTYPEs and
    entities are refused, not parsed.

    SMSClub, SMSC (JSON): against a definition of the JSON Schema, with the JSON path of every problem.
    Oversized, too deeply nested documents and duplicate keys are refused.
    """
    entry = provider_entry(provider)
    name = "<stdin>" if str(file) == "-" else str(file)
    if entry.wire_format != "json" and definition is not None:
        usage_error(f"--definition is for the JSON providers; {entry.display_name} documents are XML")
    try:
        data = sys.stdin.buffer.read() if str(file) == "-" else file.read_bytes()
    except OSError as exc:
        usage_error(f"cannot read {name}: {exc.strerror or exc}")
    if entry.wire_format == "json":
        _report_json(entry, name, _validate_json(entry, data, definition), as_json=as_json)
    else:
        _report_xml(entry, name, *_validate_document(entry, data), as_json=as_json)


def _report_xml(
    entry: ProviderEntry, name: str, verdict: str, root: str | None, problems: list[Problem], *, as_json: bool
) -> None:
    if as_json:
        print_json(
            {
                "file": name,
                "provider": entry.id,
                "format": "xml",
                "valid": verdict == "valid",
                "verdict": verdict,
                "root": root,
                "problems": [
                    {"line": p.line, "element": p.element, "facet": p.facet, "message": p.message} for p in problems
                ],
            }
        )
    else:
        out = make_console()
        if verdict == "valid":
            out.print(f"{name}: valid {entry.display_name} <{root}> document", soft_wrap=True)
        elif verdict == "refused":
            out.print(
                f"{name}: refused: {problems[0].message.removesuffix('; refused')}. "
                "Provider documents never declare a DOCTYPE; entities are how XML bombs and "
                "external-entity attacks work, so smsgate does not parse them.",
                soft_wrap=True,
            )
        elif verdict == "malformed":
            where = f"line {problems[0].line}: " if problems[0].line else ""
            out.print(f"{name}: not well-formed XML: {where}{problems[0].message}", soft_wrap=True)
        else:
            table = TitledTable(
                f"{name}: {len(problems)} problem(s) against the {entry.display_name} schema"
                + (f" (<{root}> document)" if root else ""),
                "line",
                "element",
                "facet",
                "problem",
            )
            for p in problems:
                table.add_row(str(p.line or ""), p.element or "", p.facet or "", p.message)
            out.print(table, crop=False)
    if verdict != "valid":
        raise typer.Exit(EXIT_FAILED)


def _report_json(entry: ProviderEntry, name: str, result: JsonVerdict, *, as_json: bool) -> None:
    if as_json:
        print_json(
            {
                "file": name,
                "provider": entry.id,
                "format": "json",
                "valid": result.verdict == "valid",
                "verdict": result.verdict,
                "definition": result.definition,
                "matches": list(result.matches),
                "candidates": [{"definition": d, "problems": n} for d, n in result.ranking],
                "problems": [p.as_json() for p in result.problems],
            }
        )
    else:
        out = make_console()
        if result.verdict == "valid":
            also = f" (also valid as: {', '.join(result.matches[1:])})" if len(result.matches) > 1 else ""
            out.print(f"{name}: valid {entry.display_name} {result.definition} document{also}", soft_wrap=True)
        elif result.verdict == "refused":
            out.print(f"{name}: refused: {result.problems[0].message}", soft_wrap=True)
        elif result.verdict == "malformed":
            p = result.problems[0]
            where = f"line {p.line} column {p.column}: " if p.line else ""
            out.print(f"{name}: not JSON: {where}{p.message}", soft_wrap=True)
        else:
            how = (
                f"the closest of {len(result.ranking)} request and reply definitions" if result.ranking else "as asked"
            )
            table = TitledTable(
                f"{name}: {len(result.problems)} problem(s) against the {entry.display_name} schema's "
                f"{result.definition} ({how})",
                "path",
                "keyword",
                "problem",
            )
            for p in result.problems:
                table.add_row(p.path or "", p.keyword or "", p.message)
            out.print(table, crop=False)
            if len(result.ranking) > 1:
                others = ", ".join(f"{d} ({n})" for d, n in result.ranking[1:4])
                out.print(f"next closest (problems): {others}; check one with --definition NAME", soft_wrap=True)
    if result.verdict != "valid":
        raise typer.Exit(EXIT_FAILED)
