"""Safe handling of untrusted containers: XML without entities, zip files without traversal.

KLIC deliveries, BGT extracts and downloaded files come from outside. Rules enforced here:

* XML: one policy for every reader (KLIC and BGT). The encoding is detected first, as XML 1.0
  appendix F describes: a byte-order mark (UTF-8, UTF-16 and UTF-32 in both byte orders), else
  the first bytes of ``<?xml`` in those encodings, else the ``encoding`` of the XML
  declaration (default UTF-8). The prolog is then decoded and checked as text, so the same
  guards hold in every encoding: a document that declares a DOCTYPE is refused (IMKL and IMGeo
  never need one; it is the only way to declare entities), and so is one whose declared
  encoding contradicts its bytes or is unknown. lxml is configured with
  ``resolve_entities=False``, ``no_network=True``, ``load_dtd=False`` and without
  ``huge_tree``, so neither external entities (XXE) nor entity expansion ("billion laughs")
  can happen.
* Zip: member names with absolute paths, ``..`` parts or drive letters are refused; so are
  members whose uncompressed size exceeds a limit or whose compression ratio is absurd (zip
  bombs). Members are streamed with the size enforced while reading, not only from the header.
"""

from __future__ import annotations

import codecs
import io
import os
import re
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import IO, Any, cast

from lxml import etree

from wlr_geo._errors import LayerReadError, UnsafeInputError
from wlr_geo._nl import nl

__all__ = [
    "MAX_MEMBER_BYTES",
    "MAX_RATIO",
    "PrependedStream",
    "check_no_doctype",
    "detect_encoding",
    "head_text",
    "iter_members",
    "iterparse",
    "local_name",
    "open_member",
    "read_prolog",
    "safe_extract",
    "safe_members",
]

#: Largest uncompressed zip member accepted (bytes). KLIC deliveries reach a few hundred MB.
MAX_MEMBER_BYTES = int(os.environ.get("WLR_GEO_MAX_MEMBER_BYTES", 4 * 1024**3))
#: Largest compression ratio accepted for a member larger than 1 MB (XML compresses ~10–30×).
MAX_RATIO = 200.0

_DOCTYPE = re.compile(r"<!DOCTYPE", re.IGNORECASE)


def check_no_doctype(head: bytes | str, *, source: str) -> None:
    """Refuse XML whose prolog declares a DOCTYPE (the only way to declare entities).

    ``head`` is the prolog as text, or as bytes in any encoding :func:`detect_encoding` knows.
    """
    text = head if isinstance(head, str) else head_text(head)
    if _DOCTYPE.search(text):
        raise UnsafeInputError(
            "het XML-bestand declareert een DOCTYPE (entiteiten); wlr_geo weigert DTD's en entiteiten om veiligheidsredenen",
            source=source,
            hint="KLIC- en BGT-bestanden bevatten nooit een DOCTYPE: gebruik de oorspronkelijke levering",
        )


#: Byte-order marks, longest first (the UTF-32-LE mark starts with the UTF-16-LE one).
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
)
#: ``<?`` (or ``<``) without a byte-order mark, per XML 1.0 appendix F.
_NO_BOM: tuple[tuple[bytes, str], ...] = (
    (b"\x00\x00\x00<", "utf-32-be"), (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<\x00?", "utf-16-be"), (b"<\x00?\x00", "utf-16-le"),
)
_DECLARED = re.compile(rb"""^<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_WIDE = ("utf-16", "utf-32")


def _wide(codec: str) -> bool:
    return codec.replace("_", "-").startswith(_WIDE)


def detect_encoding(head: bytes, *, source: str = "<xml>") -> tuple[str, int]:
    """The encoding of an XML document from its first bytes: ``(Python codec, BOM length)``.

    A byte-order mark wins; else the UTF-16/32 form of ``<?``; else the ``encoding`` of the XML
    declaration (UTF-8 when there is none).

    Raises
    ------
    LayerReadError
        The declared encoding is unknown, or says UTF-16/32 where the bytes are not.
    """
    for bom, codec in _BOMS:
        if head.startswith(bom):
            return codec, len(bom)
    for start, codec in _NO_BOM:
        if head.startswith(start):
            return codec, 0
    m = _DECLARED.match(head)
    if m is None:
        return "utf-8", 0
    declared = m.group(1).decode("ascii")
    try:
        codec = codecs.lookup(declared).name
    except LookupError:
        raise LayerReadError(
            f"het XML-bestand declareert tekencodering {declared!r}, en die is onbekend",
            source=source, hint="sla het bestand op als UTF-8, of gebruik de oorspronkelijke download",
        ) from None
    if _wide(codec):
        raise LayerReadError(
            f"het XML-bestand declareert tekencodering {declared!r}, maar de bytes zijn geen {declared} "
            "(geen byte-order mark, één byte per teken)",
            source=source, hint="sla het bestand opnieuw op in de tekencodering die het declareert, of gebruik de oorspronkelijke download",
        )
    return codec, 0


def head_text(head: bytes, *, source: str = "<xml>") -> str:
    """The first bytes of an XML document decoded in its own encoding (see
    :func:`detect_encoding`); undecodable bytes (a cut character at the end) are replaced."""
    codec, bom = detect_encoding(head, source=source)
    return codecs.getincrementaldecoder(codec)(errors="replace").decode(head[bom:])


#: Longest prolog (XML declaration, comments, processing instructions) read before the root.
MAX_PROLOG_BYTES = 16 * 1024 * 1024

_PROLOG_SKIP = re.compile(r"\s+|<\?.*?\?>|<!--.*?-->", re.DOTALL)


def read_prolog(stream: IO[bytes], *, source: str) -> bytes:
    """Read everything before the root element and refuse a DOCTYPE anywhere in it.

    The encoding is detected first (:func:`detect_encoding`) and the prolog checked as text,
    so the guard is the same in UTF-8, UTF-16 and UTF-32. Returns the bytes read (the prolog
    and the start of the root), to be parsed before the rest of the stream. A DOCTYPE hidden
    behind a long comment is found too; a prolog longer than :data:`MAX_PROLOG_BYTES` is
    refused.
    """
    buf = stream.read(64 * 1024)
    codec, bom = detect_encoding(buf, source=source)
    decoder = codecs.getincrementaldecoder(codec)(errors="replace")
    text = decoder.decode(buf[bom:])
    pos = 0
    while True:
        while True:
            m = _PROLOG_SKIP.match(text, pos)
            if m is None or m.end() == pos:
                break
            pos = m.end()
        rest = text[pos:]
        if rest[:9].upper() == "<!DOCTYPE":
            check_no_doctype(rest[:9], source=source)  # raises
        if rest.startswith("<") and len(rest) >= 2 and rest[1] not in "?!":
            return buf  # the root element starts here
        if len(buf) > MAX_PROLOG_BYTES:
            raise UnsafeInputError(
                f"het XML-bestand heeft meer dan {nl(MAX_PROLOG_BYTES)} bytes vóór het hoofdelement",
                source=source, hint="KLIC- en BGT-bestanden beginnen met hun hoofdelement; gebruik het oorspronkelijke bestand",
            )
        chunk = stream.read(64 * 1024)
        if not chunk:
            return buf  # end of input: let the parser report what is wrong
        buf += chunk
        text += decoder.decode(chunk)


class PrependedStream(io.RawIOBase):
    """A binary stream with bytes already read from it (its head) put back in front."""

    def __init__(self, raw: IO[bytes], head: bytes) -> None:
        self._raw = raw
        self._head = head

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        if self._head:
            n = min(len(b), len(self._head))
            b[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._raw.read(len(b))
        n = len(data)
        b[:n] = data
        return n


_DECLARATION_ENCODING = re.compile(r"""^(<\?xml[^>]*?\sencoding\s*=\s*)(["'])[^"']*\2""")


class _Utf8Transcoder(io.RawIOBase):
    """A UTF-16/UTF-32 XML stream as UTF-8 (the BOM dropped, the declaration saying UTF-8), so
    the parser sees one encoding whatever the file used (libxml2 has no UTF-32)."""

    def __init__(self, raw: IO[bytes], codec: str, bom: int, *, source: str) -> None:
        self._raw = raw
        self._codec = codec
        self._skip = bom
        self._decoder = codecs.getincrementaldecoder(codec)(errors="strict")
        self._out = b""
        self._first = True
        self._eof = False
        self._source = source

    def readable(self) -> bool:
        return True

    def _fill(self, size: int) -> None:
        while len(self._out) < size and not self._eof:
            chunk = self._raw.read(max(size, 64 * 1024))
            if self._skip:
                chunk, self._skip = chunk[self._skip:], 0
            self._eof = not chunk
            try:
                text = self._decoder.decode(chunk, final=self._eof)
            except UnicodeDecodeError as exc:
                raise LayerReadError(
                    f"het XML-bestand is geen geldige {self._codec}: {exc.reason}", source=self._source,
                    hint="het bestand is beschadigd of niet in de tekencodering die het declareert; gebruik de oorspronkelijke download",
                ) from None
            if self._first and text:
                text = _DECLARATION_ENCODING.sub(r"\1\2UTF-8\2", text, count=1)
                self._first = False
            self._out += text.encode("utf-8")

    def readinto(self, b: Any) -> int:
        self._fill(len(b))
        n = min(len(b), len(self._out))
        b[:n] = self._out[:n]
        self._out = self._out[n:]
        return n


_LOCAL_NAMES: dict[str, str] = {}


def local_name(tag: Any) -> str:
    """Local part of an lxml tag (``{ns}name`` → ``name``; ``""`` for comments and processing
    instructions), cached per tag."""
    if not isinstance(tag, str):
        return ""
    name = _LOCAL_NAMES.get(tag)
    if name is None:
        name = tag[tag.rfind("}") + 1 :]
        _LOCAL_NAMES[tag] = name
    return name


def iterparse(
    stream: IO[bytes], *, source: str, events: tuple[str, ...] = ("end",), tag: Any = None,
    head: bytes | None = None,
) -> Iterator[tuple[str, Any]]:
    """Stream-parse XML safely (see module docstring); yields ``(event, element)``.

    ``head`` are bytes a caller already took from ``stream`` with :func:`read_prolog` (checked);
    they are parsed first instead of reading and checking the prolog again.

    Raises
    ------
    UnsafeInputError
        The document declares a DOCTYPE.
    """
    if head is None:
        head = read_prolog(stream, source=source)
    whole: io.RawIOBase = PrependedStream(stream, head)
    codec, bom = detect_encoding(head, source=source)
    if _wide(codec):
        whole = _Utf8Transcoder(cast("IO[bytes]", whole), codec, bom, source=source)
    wrapped = io.BufferedReader(whole, buffer_size=1 << 20)
    kwargs: dict[str, Any] = {
        "events": events,
        "resolve_entities": False,
        "no_network": True,
        "load_dtd": False,
        "huge_tree": False,
        "remove_blank_text": True,
    }
    if tag is not None:
        kwargs["tag"] = tag
    yield from etree.iterparse(wrapped, **kwargs)


def iter_members(stream: IO[bytes], *, source: str, tag: Any, head: bytes | None = None) -> Iterator[Any]:
    """Yield each element matching ``tag`` (e.g. GML feature members) as it is complete, then
    free it and the siblings before it, so memory stays bounded on large files."""
    for _, member in iterparse(stream, source=source, events=("end",), tag=tag, head=head):
        yield member
        member.clear()
        parent = member.getparent()
        if parent is not None:
            while member.getprevious() is not None:
                del parent[0]


def _check_name(name: str, *, source: str) -> PurePosixPath:
    norm = name.replace("\\", "/")
    pure = PurePosixPath(norm)
    if norm.startswith("/") or re.match(r"^[A-Za-z]:", norm) or ".." in pure.parts:
        raise UnsafeInputError(
            f"zip-onderdeel {name!r} wijst naar een plek buiten het archief (path traversal)",
            source=source,
            hint="gebruik dit archief niet; vraag de afzender om een schone kopie",
        )
    return pure


_SUPPORTED_COMPRESSION = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}


def safe_members(zf: zipfile.ZipFile, *, source: str, max_bytes: int = MAX_MEMBER_BYTES) -> list[zipfile.ZipInfo]:
    """Check every member of an open zip (names, sizes, ratios) and return the file members.

    Two members with the same name (also when they differ only in case or in ``\\`` versus
    ``/``, which collide when unpacked) are refused: which copy is meant is ambiguous, and a
    reader would silently take one of them.
    """
    members = []
    seen: set[str] = set()
    for info in zf.infolist():
        _check_name(info.filename, source=source)
        key = info.filename.replace("\\", "/").casefold()
        if key in seen:
            raise UnsafeInputError(
                f"zip-onderdeel {info.filename!r} komt twee keer voor in het archief; welke kopie bedoeld is, is onduidelijk",
                source=source, hint="gebruik de oorspronkelijke download, of een zip met elk bestand één keer",
            )
        seen.add(key)
        if info.is_dir():
            continue
        if info.flag_bits & 0x1:
            raise UnsafeInputError(
                f"zip-onderdeel {info.filename!r} is versleuteld", source=source,
                hint="KLIC- en BGT-archieven zijn niet versleuteld: gebruik de oorspronkelijke download",
            )
        if info.compress_type not in _SUPPORTED_COMPRESSION:
            raise UnsafeInputError(
                f"zip-onderdeel {info.filename!r} gebruikt compressiemethode {info.compress_type} "
                "(99 = AES-versleuteling), die wlr_geo niet leest",
                source=source, hint="gebruik de oorspronkelijke, onversleutelde download (deflate-compressie)",
            )
        if info.file_size > max_bytes:
            raise UnsafeInputError(
                f"zip-onderdeel {info.filename!r} pakt uit tot {nl(info.file_size)} bytes, boven de grens van {nl(max_bytes)}",
                source=source,
                hint="verhoog WLR_GEO_MAX_MEMBER_BYTES als het bestand echt is",
            )
        if info.file_size > 1_000_000 and info.compress_size and info.file_size / info.compress_size > MAX_RATIO:
            raise UnsafeInputError(
                f"zip-onderdeel {info.filename!r} heeft een compressieverhouding van "
                f"{nl(info.file_size / info.compress_size, 0)}:1 (een zipbom?)",
                source=source,
                hint="gebruik dit archief niet",
            )
        members.append(info)
    return members


class _LimitedReader(io.RawIOBase):
    """Read at most ``limit`` bytes from ``raw``; more raises (header sizes can lie)."""

    def __init__(self, raw: IO[bytes], limit: int, *, source: str, name: str) -> None:
        self._raw = raw
        self._left = limit
        self._limit = limit
        self._source = source
        self._name = name

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        try:
            data = self._raw.read(len(b))
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, OSError) as exc:
            raise LayerReadError(
                f"zip-onderdeel {self._name!r} is beschadigd: {exc}", source=self._source,
                hint="het archief is beschadigd of onvolledig; download het opnieuw",
            ) from None
        n = len(data)
        self._left -= n
        if self._left < 0:
            raise UnsafeInputError(
                f"zip-onderdeel {self._name!r} pakt uit tot meer dan {nl(self._limit)} bytes",
                source=self._source, hint="gebruik dit archief niet",
            )
        b[:n] = data
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


def open_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, *, source: str) -> IO[bytes]:
    """Open a checked zip member for streaming, enforcing its declared size while reading."""
    try:
        raw = zf.open(info)
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, zlib.error, OSError) as exc:
        raise LayerReadError(
            f"zip-onderdeel {info.filename!r} kan niet worden geopend: {exc}", source=source,
            hint="het archief is beschadigd, versleuteld of gebruikt een onbekende compressie; download het opnieuw",
        ) from None
    limit = min(MAX_MEMBER_BYTES, max(info.file_size, 1))
    return io.BufferedReader(_LimitedReader(raw, limit, source=source, name=info.filename), buffer_size=1 << 20)


def safe_extract(zip_path: str | os.PathLike[str], dest: str | os.PathLike[str]) -> list[Path]:
    """Extract a zip into ``dest`` after checking every member; return the extracted files."""
    src = str(zip_path)
    dest = Path(dest)
    out: list[Path] = []
    try:
        zf = zipfile.ZipFile(zip_path)
    except zipfile.BadZipFile as exc:
        raise UnsafeInputError(f"geen geldig zipbestand: {exc}", source=src, hint="download het bestand opnieuw") from None
    with zf:
        for info in safe_members(zf, source=src):
            target = dest / _check_name(info.filename, source=src)
            target.parent.mkdir(parents=True, exist_ok=True)
            with open_member(zf, info, source=src) as fin, open(target, "wb") as fout:
                while block := fin.read(1 << 20):
                    fout.write(block)
            out.append(target)
    return out
