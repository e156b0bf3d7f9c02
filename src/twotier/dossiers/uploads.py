"""Inspect an uploaded dossier file before anything is stored: type by content, size, active content, bombs.

Only PDF, JPEG and PNG are accepted. The type comes from the file's first bytes, never from its
name or the MIME type the client claims; a name or claimed type that disagrees with the content is
refused. Bytes are streamed into a spooled temporary file (memory up to 1 MiB, then disk) while
they are counted and hashed, so an oversized file is refused after at most `max_bytes + 1` bytes
and never read whole into memory. PDFs are parsed with pypdf and refused when encrypted or when
they carry JavaScript, launch actions, embedded files, rich media or XFA forms. Images are opened
with Pillow under an explicit pixel limit (decompression bombs) and verified.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
import warnings
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.core.files.uploadhandler import FileUploadHandler, SkipFile

from twotier.core.errors import FieldIssue, InvalidInput
from twotier.env import env_int

FIELD = "file"
DEFAULT_MAX_BYTES = 20 * 1024 * 1024  # 20 MiB: a 30-page A4 scan at 300 dpi
DEFAULT_MAX_PIXELS = 50_000_000  # an A3 page at 500 dpi; Pillow's own guard stays on above it
MAX_PDF_OBJECTS = 200_000  # far beyond any scanned dossier; bounds the time spent walking a hostile file
CHUNK = 64 * 1024
SPOOL_IN_MEMORY = 1024 * 1024
OVERSIZED_ATTR = "twotier_oversized_uploads"


@dataclass(frozen=True)
class Kind:
    """An accepted file type: its MIME type, canonical extension, accepted extensions and MIME aliases."""

    name: str
    content_type: str
    extension: str
    extensions: frozenset[str]
    aliases: frozenset[str]


PDF = Kind("pdf", "application/pdf", ".pdf", frozenset({".pdf"}), frozenset({"application/x-pdf"}))
JPEG = Kind(
    "jpeg",
    "image/jpeg",
    ".jpg",
    frozenset({".jpg", ".jpeg", ".jpe", ".jfif"}),
    frozenset({"image/jpg", "image/pjpeg"}),
)
PNG = Kind("png", "image/png", ".png", frozenset({".png"}), frozenset({"image/x-png"}))
KINDS = {k.name: k for k in (PDF, JPEG, PNG)}
# A claimed type that says nothing (browsers send these for unknown files) is not a lie.
UNINFORMATIVE_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream"})

# Names that make a PDF active or carry other files. Keys anywhere in a dictionary:
PDF_ACTIVE_KEYS = {
    "/JS": "JavaScript (/JS)",
    "/JavaScript": "JavaScript (/JavaScript)",
    "/XFA": "an XFA form, which can run scripts (/XFA)",
    "/RichMediaContent": "rich media (/RichMediaContent)",
    "/RichMediaSettings": "rich media (/RichMediaSettings)",
}
PDF_EMBEDDED_KEYS = {"/EmbeddedFiles": "/EmbeddedFiles", "/EF": "/EF"}
# Action types (/S) that run code, open other programs or files, or send data away:
PDF_ACTIVE_ACTIONS = {
    "/JavaScript": "a JavaScript action",
    "/Launch": "a launch action that opens another program (/Launch)",
    "/ImportData": "an import-data action (/ImportData)",
    "/SubmitForm": "a submit-form action (/SubmitForm)",
    "/GoToE": "a jump into an embedded file (/GoToE)",
    "/RichMediaExecute": "a rich media action (/RichMediaExecute)",
}
PDF_EMBEDDED_TYPES = {"/EmbeddedFile", "/FileAttachment"}
PDF_ACTIVE_SUBTYPES = {"/RichMedia": "rich media (/RichMedia)", "/Screen": "a media screen annotation (/Screen)"}
# Long names looked for in the raw bytes too, in case a viewer's repair finds objects pypdf did not.
RAW_NAMES = {
    "JavaScript": "pdf_active_content",
    "Launch": "pdf_active_content",
    "RichMedia": "pdf_active_content",
    "RichMediaExecute": "pdf_active_content",
    "ImportData": "pdf_active_content",
    "SubmitForm": "pdf_active_content",
    "EmbeddedFile": "pdf_embedded_file",
    "EmbeddedFiles": "pdf_embedded_file",
}
_RAW_NAME = re.compile(rb"/([A-Za-z#][A-Za-z0-9#]{4,40})(?=[\s/<>\[\]()%{}]|$)")
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_SAFE_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


class UploadTooLarge(InvalidInput):
    """The file is larger than the limit (HTTP 413)."""

    def __init__(self, message: str, fields: list[FieldIssue] | None = None):
        super().__init__(message, fields)
        self.status = 413
        self.code = "too_large"


def upload_max_bytes() -> int:
    """The size limit of one uploaded file (setting TWOTIER_UPLOAD_MAX_BYTES, env TWOTIER_UPLOAD_MAX_BYTES)."""
    configured = getattr(settings, "TWOTIER_UPLOAD_MAX_BYTES", None)
    return int(configured) if configured else env_int("UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES, minimum=1)


def upload_max_pixels() -> int:
    """The pixel limit of one uploaded image (setting or env TWOTIER_UPLOAD_MAX_PIXELS)."""
    configured = getattr(settings, "TWOTIER_UPLOAD_MAX_PIXELS", None)
    return int(configured) if configured else env_int("UPLOAD_MAX_PIXELS", DEFAULT_MAX_PIXELS, minimum=1)


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MiB".replace(".0 MiB", " MiB")


def _reject(rule: str, message: str) -> InvalidInput:
    return InvalidInput(message, [FieldIssue(FIELD, rule, message)])


def too_large(max_bytes: int) -> UploadTooLarge:
    """The error for a file over `max_bytes`."""
    message = f"The file is larger than the limit of {_mib(max_bytes)}"
    return UploadTooLarge(message, [FieldIssue(FIELD, "file_size", message)])


@dataclass
class InspectedFile:
    """A file that passed every check, spooled and ready to store; close it (or use `with`) when done."""

    kind: str
    content_type: str
    size: int
    sha256: str
    safe_name: str
    original_name: str
    extension: str
    stream: IO[bytes] = field(repr=False, compare=False)

    def content(self) -> File:
        """The bytes as a Django File (rewound) for the storage API."""
        self.stream.seek(0)
        return File(self.stream, name=self.safe_name)

    def close(self) -> None:
        """Release the spooled temporary file."""
        self.stream.close()

    def __enter__(self) -> InspectedFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --- names -------------------------------------------------------------------------------------


def display_name(name: str) -> str:
    """The client's file name reduced to its last path part, NFC, without control characters (≤ 255)."""
    value = unicodedata.normalize("NFC", str(name or ""))
    value = re.split(r"[/\\]", value)[-1]
    value = "".join(ch for ch in value if unicodedata.category(ch)[0] != "C").strip().strip(".").strip()
    return value[-255:] if value not in ("", ".", "..") else ""


def name_extension(name: str) -> str:
    """The lower-case final extension of a display name (with the dot), or ''."""
    stem, ext = os.path.splitext(name)
    return ext.lower() if stem and ext else ""


def safe_name(name: str, kind: Kind) -> str:
    """An ASCII name to offer on download: letters, digits, dot, dash, underscore, and the right extension."""
    stem = os.path.splitext(name)[0] if name_extension(name) else name
    folded = unicodedata.normalize("NFKD", stem.replace("đ", "d").replace("Đ", "D"))
    ascii_stem = "".join(ch for ch in folded if not unicodedata.combining(ch))
    cleaned = _SAFE_CHARS.sub("-", ascii_stem).strip("-._")[:100].strip("-._")
    return f"{cleaned or 'file'}{kind.extension}"


# --- reading -----------------------------------------------------------------------------------


def _chunks(source: Any) -> Any:
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        for start in range(0, len(data), CHUNK):
            yield data[start : start + CHUNK]
        return
    if hasattr(source, "chunks"):
        yield from source.chunks(CHUNK)
        return
    if hasattr(source, "read"):
        while True:
            block = source.read(CHUNK)
            if not block:
                return
            yield block
        return
    raise TypeError("inspect_upload needs bytes or a binary file object")


def _known_size(source: Any) -> int | None:
    if isinstance(source, bytes | bytearray | memoryview):
        return len(source)
    size = getattr(source, "size", None)
    return size if isinstance(size, int) else None


def _spool(source: Any, max_bytes: int) -> tuple[IO[bytes], int, str]:
    """Copy `source` into a spooled temporary file, counting and hashing; refuse past `max_bytes`."""
    declared = _known_size(source)
    if declared is not None and declared > max_bytes:
        raise too_large(max_bytes)
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY, mode="w+b")  # noqa: SIM115 (returned)
    digest = hashlib.sha256()
    size = 0
    try:
        for block in _chunks(source):
            size += len(block)
            if size > max_bytes:
                raise too_large(max_bytes)
            digest.update(block)
            spool.write(block)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return spool, size, digest.hexdigest()


def sniff(head: bytes) -> Kind | None:
    """The accepted type whose signature starts `head`, or None."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    return None


# --- PDF ---------------------------------------------------------------------------------------


def _pdf_raw_scan(stream: IO[bytes]) -> None:
    """Look for long active-content names in the raw bytes (also #-escaped), chunk by chunk."""
    stream.seek(0)
    tail = b""
    while True:
        block = stream.read(1024 * 1024)
        if not block:
            break
        window = tail + block
        for match in _RAW_NAME.finditer(window):
            name = _NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), match.group(1))
            rule = RAW_NAMES.get(name.decode("latin-1"))
            if rule is not None:
                raise _reject(rule, _pdf_message(rule, f"/{name.decode('latin-1')}"))
        tail = window[-64:]


def _pdf_message(rule: str, what: str) -> str:
    if rule == "pdf_embedded_file":
        return f"PDF files with embedded files are not accepted ({what}); print or export the document to a plain PDF"
    return f"PDF files with active content are not accepted: it contains {what}; print or export it to a plain PDF"


def _check_pdf_object(obj: Any) -> None:
    from pypdf.generic import DictionaryObject, NameObject

    if not isinstance(obj, DictionaryObject):
        return
    for key in dict.keys(obj):
        if key in PDF_ACTIVE_KEYS:
            raise _reject("pdf_active_content", _pdf_message("pdf_active_content", PDF_ACTIVE_KEYS[key]))
        if key in PDF_EMBEDDED_KEYS:
            raise _reject("pdf_embedded_file", _pdf_message("pdf_embedded_file", PDF_EMBEDDED_KEYS[key]))
    action = dict.get(obj, "/S")
    if isinstance(action, NameObject) and action in PDF_ACTIVE_ACTIONS:
        raise _reject("pdf_active_content", _pdf_message("pdf_active_content", PDF_ACTIVE_ACTIONS[action]))
    for type_key in ("/Type", "/Subtype"):
        value = dict.get(obj, type_key)
        if isinstance(value, NameObject) and value in PDF_EMBEDDED_TYPES:
            raise _reject("pdf_embedded_file", _pdf_message("pdf_embedded_file", str(value)))
        if isinstance(value, NameObject) and value in PDF_ACTIVE_SUBTYPES:
            raise _reject("pdf_active_content", _pdf_message("pdf_active_content", PDF_ACTIVE_SUBTYPES[value]))


def _walk_pdf(reader: Any) -> int:
    """Visit the trailer and every object in the cross-reference tables; return how many were seen."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    stack: list[Any] = [reader.trailer]
    for generation, entries in getattr(reader, "xref", {}).items():
        stack.extend(IndirectObject(idnum, generation, reader) for idnum in entries)
    stack.extend(IndirectObject(idnum, 0, reader) for idnum in getattr(reader, "xref_objStm", {}))
    seen: set[tuple[int, int]] = set()
    count = 0
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            ref = (item.idnum, item.generation)
            if ref in seen:
                continue
            seen.add(ref)
            item = item.get_object()
        count += 1
        if count > MAX_PDF_OBJECTS:
            raise _reject("pdf_malformed", f"The PDF has more than {MAX_PDF_OBJECTS} objects; it cannot be checked")
        if isinstance(item, DictionaryObject):  # stream objects too: their dictionaries are checked
            _check_pdf_object(item)
            stack.extend(dict.values(item))
        elif isinstance(item, ArrayObject):
            stack.extend(list.__iter__(item))
    return count


def check_pdf(stream: IO[bytes]) -> int:
    """Refuse encrypted, malformed or active PDFs; return the page count."""
    from pypdf import PdfReader

    try:
        stream.seek(0)
        reader = PdfReader(stream, strict=False)
        if reader.is_encrypted:
            raise _reject("pdf_encrypted", "Encrypted or password-protected PDF files are not accepted")
        _walk_pdf(reader)
        pages = len(reader.pages)
    except InvalidInput:
        raise
    except RecursionError as exc:
        raise _reject("pdf_malformed", "The PDF is nested too deeply to be checked") from exc
    except Exception as exc:  # pypdf raises many types on hostile input; each means "cannot be read"
        raise _reject("pdf_malformed", f"The PDF cannot be read ({type(exc).__name__})") from exc
    if pages < 1:
        raise _reject("pdf_malformed", "The PDF has no pages")
    _pdf_raw_scan(stream)
    return pages


# --- images ------------------------------------------------------------------------------------


def check_image(stream: IO[bytes], kind: Kind, *, max_pixels: int) -> tuple[int, int]:
    """Refuse images over `max_pixels` (decompression bombs) or that fail to verify; return (width, height)."""
    from PIL import Image

    fmt = "PNG" if kind is PNG else "JPEG"
    bomb = f"The image has too many pixels (limit {max_pixels:,}); scan it at a lower resolution"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            stream.seek(0)
            with Image.open(stream, formats=[fmt]) as image:
                width, height = image.size
                if width < 1 or height < 1:
                    raise _reject("image_malformed", "The image has no pixels")
                if width * height > max_pixels:
                    raise _reject("image_pixels", bomb)
                image.verify()
            stream.seek(0)
            with Image.open(stream, formats=[fmt]) as image:
                if kind is JPEG:
                    image.draft("RGB", (max(1, width // 8), max(1, height // 8)))  # decode cheaply, still all data
                image.load()
    except InvalidInput:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _reject("image_pixels", bomb) from exc
    except Exception as exc:  # Pillow raises many types on hostile input; each means "cannot be read"
        raise _reject("image_malformed", f"The image cannot be read ({type(exc).__name__})") from exc
    return width, height


# --- the one entry point -----------------------------------------------------------------------


def _check_names(name: str, kind: Kind, claimed_type: str) -> None:
    issues: list[FieldIssue] = []
    ext = name_extension(name)
    if ext and ext not in kind.extensions:
        issues.append(
            FieldIssue(
                FIELD,
                "file_extension",
                f"The file's content is {kind.name.upper()} but its name ends in {ext}; "
                f"rename it to {kind.extension} or upload the right file",
            )
        )
    claimed = (claimed_type or "").split(";")[0].strip().lower()
    if claimed not in UNINFORMATIVE_TYPES and claimed != kind.content_type and claimed not in kind.aliases:
        issues.append(
            FieldIssue(
                FIELD,
                "file_content_type",
                f"The file was sent as {claimed} but its content is {kind.name.upper()} ({kind.content_type})",
            )
        )
    if issues:
        raise InvalidInput("The file's name or type does not match its content", issues)


def inspect_upload(
    name: str,
    data_or_file: Any,
    *,
    max_bytes: int | None = None,
    max_pixels: int | None = None,
    claimed_type: str | None = None,
) -> InspectedFile:
    """Check one uploaded file (bytes or a binary file); return it spooled, or raise naming field `file`."""
    limit = max_bytes if max_bytes is not None else upload_max_bytes()
    pixels = max_pixels if max_pixels is not None else upload_max_pixels()
    if claimed_type is None:
        claimed_type = getattr(data_or_file, "content_type", "") or ""
    original = display_name(name)
    stream, size, digest = _spool(data_or_file, limit)
    try:
        if size == 0:
            raise _reject("file_empty", "The file is empty")
        kind = sniff(stream.read(16))
        if kind is None:
            raise _reject("file_type", "Only PDF, JPEG and PNG files are accepted; this file's content is none of them")
        _check_names(original, kind, claimed_type)
        if kind is PDF:
            check_pdf(stream)
        else:
            check_image(stream, kind, max_pixels=pixels)
        stream.seek(0)
    except BaseException:
        stream.close()
        raise
    return InspectedFile(
        kind=kind.name,
        content_type=kind.content_type,
        size=size,
        sha256=digest,
        safe_name=safe_name(original, kind),
        original_name=original or safe_name(original, kind),
        extension=kind.extension,
        stream=stream,
    )


# --- HTTP layer --------------------------------------------------------------------------------


class UploadLimitHandler(FileUploadHandler):
    """First in FILE_UPLOAD_HANDLERS: skips (never spools) any uploaded file over the limit and marks the request.

    Django parses multipart bodies before the view runs; without this, an oversized upload would
    be written to a temporary file first. Skipped fields are listed in `request.twotier_oversized_uploads`
    so the endpoint can answer 413 naming the field.
    """

    def new_file(self, field_name: str, *args: Any, **kwargs: Any) -> None:
        """Start counting a new file; skip it at once when its declared length is over the limit."""
        super().new_file(field_name, *args, **kwargs)
        self.received = 0
        self.limit = upload_max_bytes()
        if self.content_length is not None and self.content_length > self.limit:
            self._skip()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        """Pass the chunk on, or skip the file once it passes the limit."""
        self.received += len(raw_data)
        if self.received > self.limit:
            self._skip()
        return raw_data

    def file_complete(self, file_size: int) -> None:
        """Let the next handler build the file."""
        return None

    def _skip(self) -> None:
        if self.request is not None:
            marked = set(getattr(self.request, OVERSIZED_ATTR, set()))
            marked.add(self.field_name)
            setattr(self.request, OVERSIZED_ATTR, marked)
        raise SkipFile()


def oversized_fields(request: Any) -> set[str]:
    """The file fields `UploadLimitHandler` skipped on this request."""
    return set(getattr(request, OVERSIZED_ATTR, set()))
