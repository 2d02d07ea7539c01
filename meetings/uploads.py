"""Check an uploaded document by its content: PDF or Word (.docx) only, safely opened.

The name a browser sends and the type it claims are the user's word; the bytes are not.
A file is accepted when its content is a PDF or an Office Open XML word-processing package
and its name ends in the matching extension. Old binary Word (.doc) files are refused: they
cannot be checked the same way and every Word since 2007 saves .docx. Reusable for any
document upload (duty reports now, evidence of rectification later).
"""

from __future__ import annotations

import uuid
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
# A .docx is a zip: refuse archives that would be costly or dangerous to open.
MAX_ZIP_ENTRIES = 2000
MAX_ZIP_UNCOMPRESSED = 200 * 1024 * 1024
MAX_ZIP_RATIO = 200  # a compressed entry expanding more than this looks like a zip bomb
ARCHIVE_SUFFIXES = (".zip", ".rar", ".7z", ".gz", ".tgz", ".tar", ".bz2", ".xz", ".cab", ".jar")
# Office files embedded in a Word document (charts, tables) are zips themselves: allowed there.
OFFICE_EMBEDDINGS = "word/embeddings/"
OFFICE_SUFFIXES = (".xlsx", ".docx", ".pptx", ".xlsm")

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
EXTENSIONS = {PDF: ".pdf", DOCX: ".docx"}
CONTENT_TYPES = {ext: content_type for content_type, ext in EXTENSIONS.items()}


@dataclass(frozen=True)
class Document:
    """An accepted upload: its content type, the extension to store it under, its name."""

    content_type: str
    extension: str
    original_name: str


def accepted_text() -> str:
    return _("Accepted are PDF files (.pdf) and Word documents (.docx), up to 20 MB.")


def describe(head: bytes) -> str:
    """What the first bytes of a file say it is, in words for the user."""
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"%PDF-"):
        return _("a PDF file")
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return _("an old Office 97–2003 file (such as .doc)")
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _("a zip archive")
    if head.startswith((b"MZ", b"\x7fELF", b"#!", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe")):
        return _("a program (executable file)")
    if b"<svg" in stripped[:2048]:
        return _("an SVG image")
    if stripped.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<script")):
        return _("a web page (HTML)")
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        return _("an image")
    if head.startswith(b"{\\rtf"):
        return _("an RTF document")
    if head.startswith((b"Rar!", b"7z\xbc\xaf", b"\x1f\x8b")):
        return _("a compressed archive")
    if stripped.startswith(b"<"):
        return _("an XML or HTML text")
    if b"\x00" not in head:
        return _("plain text")
    return _("a file of unknown type")


def _refuse(name: str, what: str) -> ValidationError:
    return ValidationError(
        _("“%(name)s” is %(what)s. %(accepted)s")
        % {"name": name, "what": what, "accepted": accepted_text()},
        code="file_type",
    )


def _check_docx(upload: UploadedFile, name: str) -> None:
    """A .docx must be a sound, modest zip holding a Word document and no other archives."""
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            entries = archive.infolist()
            if len(entries) > MAX_ZIP_ENTRIES:
                raise _refuse(name, _("a zip archive with too many files"))
            total = sum(entry.file_size for entry in entries)
            if total > MAX_ZIP_UNCOMPRESSED or any(
                entry.compress_size and entry.file_size / entry.compress_size > MAX_ZIP_RATIO
                for entry in entries
                if entry.file_size > 1024 * 1024
            ):
                raise _refuse(name, _("an archive that expands to an unsafe size"))
            names = {entry.filename for entry in entries}
            if not {"[Content_Types].xml", "word/document.xml"} <= names:
                raise _refuse(name, _("a zip archive but not a Word document"))
            if "word/vbaProject.bin" in names:
                raise _refuse(name, _("a Word document with macros"))
            for entry in entries:
                if _is_nested_archive(archive, entry):
                    raise _refuse(name, _("a zip archive containing another archive"))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError):
        raise _refuse(name, _("a damaged zip archive")) from None
    finally:
        upload.seek(0)


def _is_nested_archive(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> bool:
    lowered = entry.filename.lower()
    if lowered.endswith(ARCHIVE_SUFFIXES):
        return True
    if entry.is_dir() or entry.file_size < 4:
        return False
    with archive.open(entry) as member:
        head = member.read(4)
    is_zip = head in (b"PK\x03\x04", b"PK\x05\x06") or head.startswith((b"Rar!", b"7z\xbc\xaf"))
    return is_zip and not (
        lowered.startswith(OFFICE_EMBEDDINGS) and lowered.endswith(OFFICE_SUFFIXES)
    )


def check_document(upload: UploadedFile) -> Document:
    """Accept a PDF or .docx by its bytes, or raise ValidationError saying what it is instead."""
    name = PurePath(upload.name or "").name
    if upload.size > MAX_DOCUMENT_BYTES:
        raise ValidationError(
            _("“%(name)s” is %(size).1f MB; the limit is 20 MB. Compress it or split it.")
            % {"name": name, "size": upload.size / 1024 / 1024},
            code="file_size",
        )
    if upload.size == 0:
        raise ValidationError(_("“%(name)s” is empty.") % {"name": name}, code="file_empty")
    upload.seek(0)
    head = upload.read(4096)
    upload.seek(0)
    extension = PurePath(name).suffix.lower()
    if head.startswith(b"%PDF-"):
        content_type = PDF
    elif head.startswith(b"PK\x03\x04"):
        _check_docx(upload, name)
        content_type = DOCX
    else:
        raise _refuse(name, describe(head))
    if extension != EXTENSIONS[content_type]:
        raise ValidationError(
            _(
                "“%(name)s” is %(what)s but its name ends in “%(ext)s”: a renamed file is not "
                "accepted. Save it as %(expected)s and upload it again."
            )
            % {
                "name": name,
                "what": describe(head) if content_type == PDF else _("a Word document"),
                "ext": extension or _("(no extension)"),
                "expected": EXTENSIONS[content_type],
            },
            code="file_renamed",
        )
    return Document(content_type, EXTENSIONS[content_type], name)


def stored_name(document: Document) -> str:
    """A name for storage chosen by us, never by the uploader; the original is kept apart."""
    return f"{uuid.uuid4().hex}{document.extension}"


def content_type_for(name: str) -> str:
    """The content type to serve a stored document with (we chose its extension)."""
    return CONTENT_TYPES.get(PurePath(name).suffix.lower(), "application/octet-stream")


def private_file_response(file, name: str = "") -> FileResponse:
    """A privately stored upload as a download, never shown inline; callers decide who may
    have it. 404 when there is no file or it has gone from storage."""
    if not file:
        raise Http404
    try:
        handle = file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=name or PurePath(file.name).name,
        content_type=content_type_for(file.name),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
