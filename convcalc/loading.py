"""Reading a spec file: YAML text to plain data plus the line and column of every value.

PyYAML's composer gives a node tree with 1-based marks and constructs no Python objects. Scalars
are resolved here with YAML 1.2 core rules, so ``no`` stays the string "no" (pydantic still reads
it as false where a boolean is expected) and ``010`` is refused rather than read as octal 8.
Duplicate keys, alias bombs and runaway nesting are refused with the place they occur.
"""

from __future__ import annotations

import gc
import math
import os
import re
import stat
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from convcalc.errors import ConvcalcError, Location, reading_reason
from convcalc.i18n import Msg, PerLanguage
from convcalc.text import VALUE_LIMIT, shorten

MAX_NODES = 200_000  # values after expanding aliases: bounds memory and time ("billion laughs")
MAX_DEPTH = 64  # nesting of mappings and lists

_NOT_BRACKET = bytes(byte for byte in range(256) if byte not in b"[]{}")  # deleted before counting brackets
_INT = re.compile(r"[-+]?(0|[1-9][0-9_]*)")
_LEADING_ZERO = re.compile(r"[-+]?0[0-9_]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_SPECIAL_FLOATS = {".inf": float("inf"), "+.inf": float("inf"), "-.inf": float("-inf"), ".nan": float("nan")}

MAX_BYTES = 16 * 1024 * 1024  # a spec, answers or lock file: read at most this many bytes (and one more to know)
STDIN = "-"  # the path that names standard input
STDIN_SHOWN = "<stdin>"

# YAML 1.2 (section 5.2): the encoding from a byte order mark, or from where the first character's zeros are
_ENCODINGS = ((b"\x00\x00\xfe\xff", "utf-32-be", 4), (b"\xff\xfe\x00\x00", "utf-32-le", 4),
              (b"\xef\xbb\xbf", "utf-8", 3), (b"\xfe\xff", "utf-16-be", 2), (b"\xff\xfe", "utf-16-le", 2))
_ZERO_PATTERNS = ((re.compile(rb"\x00\x00\x00[^\x00]", re.S), "utf-32-be"),
                  (re.compile(rb"[^\x00]\x00\x00\x00", re.S), "utf-32-le"),
                  (re.compile(rb"\x00[^\x00]", re.S), "utf-16-be"), (re.compile(rb"[^\x00]\x00", re.S), "utf-16-le"))
# Characters YAML 1.2 does not allow in a file (outside c-printable), and NEL, LS and PS, which YAML 1.2
# reads as ordinary characters but PyYAML and libyaml (YAML 1.1) as line breaks
_NOT_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_NON_REGULAR = ((stat.S_ISFIFO, "kind_fifo"), (stat.S_ISCHR, "kind_character_device"),
                (stat.S_ISBLK, "kind_block_device"), (stat.S_ISSOCK, "kind_socket"))

# PyYAML's problem texts and the message that tells each in the user's language: libyaml's (the
# CSafeLoader reads every spec) and the pure-Python parser's (it reads texts nested past MAX_DEPTH)
_YAML_PROBLEMS = tuple((re.compile(pattern), key) for pattern, key in (
    (r"did not find expected ',' or '\]'|expected ',' or '\]', but got .*", "yaml_unclosed_list"),
    (r"did not find expected ',' or '}'|expected ',' or '}', but got .*", "yaml_unclosed_mapping"),
    (r"invalid indentation or unclosed '\[' or '{'", "yaml_unclosed_flow"),
    (r"mapping values are not allowed (in this context|here)", "yaml_mapping_values"),
    (r"mapping keys are not allowed (in this context|here)", "yaml_mapping_keys"),
    (r"(block )?sequence entries are not allowed (in this context|here)", "yaml_list_entries"),
    (r"could not find expected ':'", "yaml_expected_colon"),
    (r"did not find expected key", "yaml_expected_key"),
    (r"expected <block end>, but found .*", "yaml_block_end"),
    (r"did not find expected '-' indicator", "yaml_expected_dash"),
    (r"found character (.+ )?that cannot start any token", "yaml_bad_character"),
    (r"found undefined alias.*", "yaml_undefined_alias"),
    (r"second occurrence", "yaml_duplicate_anchor"),
    (r"found unknown escape character.*", "yaml_unknown_escape"),
    (r"did not find expected hexdecimal number|expected escape sequence of \d+ hexadecimal numbers, but found .*",
     "yaml_hex_escape"),
    (r"found unexpected end of stream", "yaml_end_of_stream"),
    (r"did not find expected node content|expected the node content, but found .*", "yaml_expected_value"),
    (r"did not find expected <document start>|expected '<document start>', but found .*", "yaml_document_start"),
    (r"found unexpected document (indicator|separator)", "yaml_document_marker"),
    (r"found unexpected ':'", "yaml_unexpected_colon"),
    (r"found a tab character (that violates indentation|where an indentation space is expected)",
     "yaml_tab_in_indentation"),
    (r"did not find expected alphabetic or numeric character|expected alphabetic or numeric character, but found .*",
     "yaml_anchor_name"),
    (r"found an indentation indicator equal to 0|expected indentation indicator in the range 1-9, but found 0",
     "yaml_indentation_indicator"),
    (r"did not find expected whitespace( or line break)?|expected ' ', but found .*", "yaml_expected_space"),
    (r"did not find expected comment or line break|expected a comment or a line break, but found .*",
     "yaml_expected_line_end"),
    (r"found undefined tag handle.*", "yaml_tag_handle"),
    (r"did not find the expected '>'|expected '>', but found .*", "yaml_tag_end"),
    (r"found unknown directive name", "yaml_unknown_directive"),
    (r"found duplicate (%YAML|%TAG|YAML) directive|duplicate tag handle .*", "yaml_duplicate_directive"),
    (r"found incompatible YAML document.*", "yaml_incompatible"),
))

Path_ = tuple  # a path into the data: keys and list indices
_MERGE = "tag:yaml.org,2002:merge"


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """libyaml's composer with a resolver that only spots merge keys: scalars are resolved later
    with YAML 1.2 rules (``_scalar``), so PyYAML's YAML 1.1 regular expressions would be wasted work."""

    def resolve(self, kind, value, implicit):
        if kind is yaml.ScalarNode:
            return _MERGE if implicit[0] and value == "<<" else "tag:yaml.org,2002:str"
        return "tag:yaml.org,2002:seq" if kind is yaml.SequenceNode else "tag:yaml.org,2002:map"


@dataclass
class Document:
    """Loaded spec data and where each value stands in the file.

    Places are looked up in the composed node tree only when asked for (messages, layer reports),
    so reading a spec records nothing per value."""

    file: str
    data: object
    root: yaml.Node | None = None
    weights: object = field(default=None, repr=False)  # () -> {"layer.parameter": array}: an imported model's
    _places: dict = field(default_factory=dict, repr=False)  # (path, at_key) -> Location
    _keys: dict = field(default_factory=dict, repr=False)  # id(mapping node) -> {key: (key node, value node)}

    def location(self, path: Path_, at_key: bool = False) -> Location:
        """The place of ``path``, or of its nearest ancestor written in the file; with ``at_key``,
        the place of the mapping key itself rather than its value."""
        wanted = (tuple(path), at_key)
        place = self._places.get(wanted)
        if place is None:
            place = self._places[wanted] = self._find(*wanted)
        return place

    def _find(self, path: Path_, at_key: bool) -> Location:
        if self.root is None:
            return Location(self.file)
        node = marked = self.root
        for depth, part in enumerate(path):
            step = self._child(node, part)
            if step is None:
                break
            key_node, node = step
            marked = key_node if at_key and key_node is not None and depth == len(path) - 1 else node
        return _place(self.file, marked)

    def _child(self, node, part):
        """(key node or None, value node) of ``part`` in ``node``, or None when it has no such part."""
        if isinstance(node, yaml.SequenceNode):
            in_range = isinstance(part, int) and not isinstance(part, bool) and 0 <= part < len(node.value)
            return (None, node.value[part]) if in_range else None
        if not isinstance(node, yaml.MappingNode):
            return None
        keys = self._keys.get(id(node))
        if keys is None:
            keys = self._keys[id(node)] = {str(_scalar(key, self.file, {})): (key, value)
                                           for key, value in node.value}
        return keys.get(part) if isinstance(part, str) else None


def read_text(path: Path, shown: str) -> str:
    """The text of a regular file, or of standard input when ``path`` is ``-``, read as YAML 1.2 reads
    a stream (UTF-8, or UTF-16/32 by byte order mark); at most MAX_BYTES. A ConvcalcError names what
    is wrong: a missing file, a directory, a pipe or device (refused by name: it may never end), a
    file past the limit, bytes that are not text, a control character (with its line and column)."""
    if str(path) == STDIN:
        stdin = getattr(sys.stdin, "buffer", None)
        if stdin is None:
            raise ConvcalcError("file_unreadable", Location(STDIN_SHOWN), reason=Msg("stdin_closed"))
        return decode_text(read_bounded(stdin, STDIN_SHOWN), STDIN_SHOWN)
    try:  # without blocking: opening a pipe with no writer would wait for one forever
        descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise ConvcalcError("file_not_found", Location(shown)) from None
    except IsADirectoryError:
        raise ConvcalcError("file_is_directory", Location(shown)) from None
    except OSError as error:
        raise ConvcalcError("file_unreadable", Location(shown), reason=reading_reason(error)) from None
    mode = os.fstat(descriptor).st_mode
    if not stat.S_ISREG(mode):
        os.close(descriptor)
        if stat.S_ISDIR(mode):
            raise ConvcalcError("file_is_directory", Location(shown))
        kind = next((kind for is_kind, kind in _NON_REGULAR if is_kind(mode)), "kind_special")
        raise ConvcalcError("file_not_regular", Location(shown), kind=Msg(kind))
    with open(descriptor, "rb") as stream:
        return decode_text(read_bounded(stream, shown), shown)


def read_bounded(stream, shown: str) -> bytes:
    """At most MAX_BYTES from a binary ``stream``; past them a ConvcalcError at the file's start."""
    try:
        raw = stream.read(MAX_BYTES + 1)
    except OSError as error:
        raise ConvcalcError("file_unreadable", Location(shown), reason=reading_reason(error)) from None
    if len(raw) > MAX_BYTES:
        raise ConvcalcError("file_too_large", Location(shown, 1, 1), limit=f"{MAX_BYTES // 2**20} MiB")
    return raw


def decode_text(raw: bytes, shown: str) -> str:
    """Text from the bytes of a YAML stream: the encoding by byte order mark, else by the zeros of its
    first character (YAML 1.2, section 5.2), else UTF-8; NUL bytes in UTF-8 make a binary file."""
    encoding, skip = next(((name, size) for mark, name, size in _ENCODINGS if raw.startswith(mark)), (None, 0))
    if encoding is None:
        encoding = next((name for pattern, name in _ZERO_PATTERNS if pattern.match(raw)), "utf-8")
        if encoding == "utf-8" and b"\0" in raw:
            raise ConvcalcError("file_binary", Location(shown))
    body = raw[skip:]
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as error:
        line, column = _line_and_column(body[: error.start].decode(encoding, "replace"))
        raise ConvcalcError("file_not_utf8" if encoding == "utf-8" else "file_bad_encoding",
                            Location(shown, line, column), encoding=encoding.upper()) from None
    bad = _NOT_PRINTABLE.search(text)
    if bad:
        line, column = _line_and_column(text[: bad.start()])
        character = bad.group()
        key = "file_yaml11_break" if character in "\x85\u2028\u2029" else "file_control_character"
        raise ConvcalcError(key, Location(shown, line, column), code=f"U+{ord(character):04X}")
    return text


def _line_and_column(before: str) -> tuple[int, int]:
    """1-based line and column after ``before``; lines end at LF, CRLF or CR, as in YAML 1.2."""
    lines = before.replace("\r\n", "\n").replace("\r", "\n")
    return lines.count("\n") + 1, len(lines) - (lines.rfind("\n") + 1) + 1


@contextmanager
def collector_paused():
    """Python's cyclic garbage collector paused: reading and analysing a spec make many objects and
    no cycles that need it, and generational passes over them made long specs grow faster than linearly."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def load_document(text: str, shown: str) -> Document:
    """Parse YAML ``text`` (shown in messages as ``shown``) into a Document."""
    with collector_paused():
        return _load_document(text, shown)


def _load_document(text: str, shown: str) -> Document:
    loader = _Loader
    try:
        if _nesting_bound(text) > MAX_DEPTH:  # before libyaml sees the text: its composer recurses
            # in C, and since PyYAML 6.0.4 its parser refuses deep nesting with a message of its own.
            # PyYAML's pure-Python parser has no such limit and yields events without recursion.
            _check_nesting(yaml.parse(text, Loader=yaml.SafeLoader), shown)
        nodes = list(yaml.compose_all(text, Loader=loader))
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        lines = text.splitlines()
        line = lines[mark.line] if mark and mark.line < len(lines) else ""
        key = "yaml_tab" if "\t" in line[: len(line) - len(line.lstrip())] else \
            "yaml_flow_reference" if "${" in line else "yaml_syntax"
        character = line[mark.column] if mark and mark.column < len(line) else ""
        raise ConvcalcError(key, Location(shown, mark.line + 1, mark.column + 1) if mark else Location(shown),
                            problem=yaml_problem(error.problem or error.context or "", character)) from None
    except yaml.YAMLError as error:
        raise ConvcalcError("yaml_syntax", Location(shown), problem=yaml_problem(str(error))) from None
    except RecursionError:
        raise ConvcalcError("yaml_too_deep", Location(shown), limit=MAX_DEPTH) from None
    nodes = [node for node in nodes if node is not None]
    if not nodes:
        raise ConvcalcError("file_empty", Location(shown))
    if len(nodes) > 1:
        raise ConvcalcError("yaml_many_documents", _place(shown, nodes[1]))
    if "&" in text and "*" in text:  # only aliases (*name of an &name anchor) expand past what the text holds
        _check_expansion(nodes[0], 0, {}, set(), shown)
    return Document(shown, _convert(nodes[0], 0, shown, [MAX_NODES], {}), nodes[0])


def yaml_problem(problem: str, character: str = "") -> Msg | PerLanguage:
    """PyYAML's problem text (``problem`` of a MarkedYAMLError) as a catalogue message, so that it reads in
    the user's language; ``character`` is the one at the problem's mark. A text not known here is shown
    as PyYAML wrote it in English, and as a general sentence in other languages."""
    key = next((key for pattern, key in _YAML_PROBLEMS if pattern.fullmatch(problem)), None)
    if key is None:
        return PerLanguage(Msg("yaml_unknown_problem"), en=problem)
    return Msg(key, character=character or "?")


def as_written(value, limit: int = VALUE_LIMIT) -> str:
    """``value`` read from a spec as YAML's flow style writes it ({a: 1}, [1, 2.5], true, null, .inf),
    not as Python's repr; a text in single quotes, as messages quote words. At most ``limit``
    characters, written only so far: a million-item list costs no more than a short one."""
    pieces, size = [], 0
    for piece in _flow_pieces(value, quote=True):
        pieces.append(piece)
        size += len(piece)
        if size > limit:
            break
    return shorten("".join(pieces), limit)


def _flow_pieces(value, quote: bool):
    if isinstance(value, dict):
        yield "{"
        for index, (key, item) in enumerate(value.items()):
            yield ", " if index else ""
            yield from _flow_pieces(key, quote=False)
            yield ": "
            yield from _flow_pieces(item, quote=False)
        yield "}"
    elif isinstance(value, list):
        yield "["
        for index, item in enumerate(value):
            yield ", " if index else ""
            yield from _flow_pieces(item, quote=False)
        yield "]"
    elif isinstance(value, str):
        yield value if not quote and _plain_text(value) else "'" + value.replace("'", "''") + "'"
    else:
        yield _written_scalar(value)


def _plain_text(text: str) -> bool:
    """Whether ``text`` unquoted in a flow collection reads back as the same text (YAML 1.2, as ``_scalar``)."""
    lowered = text.lower()
    return bool(text) and text == text.strip() and text[0] not in "-?:,[]{}#&*!|>'\"%@`" \
        and not any(character in text for character in ",[]{}") and ": " not in text and " #" not in text \
        and not text.endswith(":") and lowered not in ("~", "null", "true", "false") \
        and lowered not in _SPECIAL_FLOATS and not _FLOAT.fullmatch(text) and not _LEADING_ZERO.fullmatch(text)


def _written_scalar(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, WrittenFloat):
        return value.text
    if isinstance(value, float) and not math.isfinite(value):
        return ".nan" if math.isnan(value) else ".inf" if value > 0 else "-.inf"
    return str(value)


def load_file(path: str | Path) -> Document:
    """The Document of a spec or answers file; ``-`` is standard input, shown as ``<stdin>``."""
    shown = STDIN_SHOWN if str(path) == STDIN else str(path)
    return load_document(read_text(Path(path), shown), shown)


def _nesting_bound(text: str) -> int:
    """An upper bound of the nesting, cheap to compute: a block level costs at least one more
    column of indentation every two levels (a key's sequence may share its indent) or a `- ` on the
    line, and flow levels are open brackets. Only a text past MAX_DEPTH by it is scanned event by event."""
    prefixes = [line[: len(line) - len(line.lstrip(" -"))] for line in text.splitlines()]
    indent = max(map(len, prefixes), default=0)
    dashes = max((prefix.count("-") for prefix in prefixes), default=0)
    flow = deepest_flow = 0
    for byte in text.encode().translate(None, _NOT_BRACKET):
        if byte in b"[{":
            flow += 1
            deepest_flow = max(deepest_flow, flow)
        elif flow:
            flow -= 1
    return 2 * (indent + dashes) + deepest_flow + 2


def _check_nesting(events, file: str) -> None:
    """Refuse runaway nesting from the parser's events, which come one at a time without recursion."""
    depth = 0
    for event in events:
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            depth += 1
            if depth > MAX_DEPTH + 1:  # the document's top mapping is depth 1 and nests nothing
                raise ConvcalcError("yaml_too_deep", _place(file, event), limit=MAX_DEPTH)
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            depth -= 1


def _check_expansion(node, level: int, sizes: dict, open_nodes: set, file: str) -> tuple[int, int]:
    """(values, nesting) of ``node`` once aliases are expanded, counted without expanding them: each
    distinct node once. Refuses, where it occurs, the first node that expands past MAX_NODES or MAX_DEPTH."""
    where = _place(file, node)
    known = sizes.get(id(node))
    if known is None:
        if id(node) in open_nodes:
            raise ConvcalcError("yaml_alias_loop", where)
        if level > MAX_DEPTH:
            raise ConvcalcError("yaml_too_deep", where, limit=MAX_DEPTH)
        children = [] if isinstance(node, yaml.ScalarNode) else \
            node.value if isinstance(node, yaml.SequenceNode) else [item for pair in node.value for item in pair]
        open_nodes.add(id(node))
        counted = [_check_expansion(child, level + 1, sizes, open_nodes, file) for child in children]
        open_nodes.discard(id(node))
        known = sizes[id(node)] = (1 + sum(size for size, _ in counted), 1 + max((h for _, h in counted), default=0))
        if known[0] > MAX_NODES:
            raise ConvcalcError("yaml_alias_bomb", where, limit=MAX_NODES)
    if level + known[1] - 1 > MAX_DEPTH:
        raise ConvcalcError("yaml_too_deep", where, limit=MAX_DEPTH)
    return known


def _convert(node, depth: int, file: str, budget: list[int], resolved: dict):
    """Plain data from a node tree, within MAX_NODES values and MAX_DEPTH levels."""
    budget[0] -= 1
    if budget[0] < 0:
        raise ConvcalcError("yaml_too_large", _place(file, node), limit=MAX_NODES)
    if depth > MAX_DEPTH:
        raise ConvcalcError("yaml_too_deep", _place(file, node), limit=MAX_DEPTH)
    if isinstance(node, yaml.ScalarNode):
        return _scalar(node, file, resolved)
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, depth + 1, file, budget, resolved) for item in node.value]
    mapping: dict = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            raise ConvcalcError("yaml_complex_key", _place(file, key_node))
        if key_node.tag == _MERGE:
            raise ConvcalcError("yaml_merge_key", _place(file, key_node))
        key = str(_scalar(key_node, file, resolved))
        if key in mapping:
            raise ConvcalcError("yaml_duplicate_key", _place(file, key_node), key=key)
        mapping[key] = _convert(value_node, depth + 1, file, budget, resolved)
    return mapping


class WrittenFloat(float):
    """A float that remembers how it was written: '34.944' may be a Spanish-style 34,944."""

    text: str

    def __new__(cls, text: str):
        number = super().__new__(cls, text.replace("_", ""))
        number.text = text
        return number


def _bounded(text: str, build, file: str, node):
    """A number written in the file, refused past units.MAX_NUMBER (and before Python's limit on
    the digits of an int string): every size and count is exact up to it."""
    from convcalc.units import LIMIT_TEXT, MAX_NUMBER, NumberError, written

    value = build() if sum(character.isdigit() for character in text) <= 400 else None
    if value is None or abs(value) > MAX_NUMBER:
        raise ConvcalcError("number_in_file", _place(file, node), problem=NumberError(
            "number_too_large", value=written(text), limit=LIMIT_TEXT).message)
    return value


def _place(file: str, node) -> Location:
    return Location(file, node.start_mark.line + 1, node.start_mark.column + 1)


def _scalar(node, file: str, resolved: dict):
    """YAML 1.2 core resolution of a scalar; quoted scalars are always strings. ``resolved`` keeps
    the values of plain texts already seen in this file (specs repeat the same few words and numbers)."""
    text = node.value
    if node.style in ("'", '"', "|", ">"):  # the resolver's own tags follow YAML 1.1 (1e-06 a string)
        return text
    if text in resolved:
        return resolved[text]
    lowered = text.lower()
    if lowered in ("", "~", "null"):
        value = None
    elif lowered in ("true", "false"):
        value = lowered == "true"
    elif _LEADING_ZERO.fullmatch(text):
        raise ConvcalcError("yaml_leading_zero", _place(file, node), text=text,
                            suggestion=str(int(text.replace("_", ""))))
    elif _INT.fullmatch(text):
        value = _bounded(text, lambda: int(text.replace("_", "")), file, node)
    elif _FLOAT.fullmatch(text):
        value = _bounded(text, lambda: WrittenFloat(text), file, node)
    else:
        value = _SPECIAL_FLOATS.get(lowered, text)
    resolved[text] = value
    return value
