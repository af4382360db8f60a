"""Where documents come from: walking a folder safely, the ids of files and records, their sidecars.

A folder is walked without following symlinks out of it: a link whose target leaves the folder, dangles or
loops is refused and reported (never read), links to folders are never walked, and a file reached twice (itself
and a link to it) is indexed once. Names that are not UTF-8, FIFOs and unreadable entries are reported too.
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

from indexer.errors import IndexerError
from indexer.interfaces import Parser
from indexer.parsing import SIDECAR_SUFFIX, is_supported

logger = logging.getLogger(__name__)


def file_doc_id(path: Path) -> str:
    """Stable id of a file document: a hash of its absolute path."""
    return hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:16]


def record_doc_id(path: Path, key: str) -> str:
    """Stable id of a JSONL record: the file's stem and the record's own id."""
    return f"{path.stem}:{key}"


def sidecar_for(path: Path, root: Path | None = None) -> Path | None:
    """The ``NAME.meta.json`` (or ``NAME.ext.meta.json``) file beside a document, if any.

    With ``root``, a sidecar that is a symlink must resolve to a file inside it, else IndexerError: a sidecar
    may carry a classification, so one that cannot be read refuses its document instead of being ignored.
    """
    for candidate in (path.with_name(path.name + SIDECAR_SUFFIX), path.with_name(path.stem + SIDECAR_SUFFIX)):
        if root is not None and candidate.is_symlink():
            reason = symlink_problem(candidate, root)
            if reason:
                raise IndexerError(f"{candidate.name}: {reason}")
        if candidate.is_file():
            return candidate
    return None


def display_path(path: Path | str) -> str:
    """A path as text that can always be stored and printed (bytes of a non-UTF-8 name shown as \\xNN)."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def symlink_problem(link: Path, root: Path) -> str | None:
    """Why a symlink must not be followed (dangling, looping, leaving ``root``), or None when it may be."""
    try:
        target = Path(os.path.realpath(link, strict=True))
    except FileNotFoundError:
        return f"dangling symlink: -> {display_path(os.readlink(link))}"
    except (OSError, RuntimeError) as exc:  # ELOOP; RuntimeError from older pathlib versions
        return f"symlink loop: -> {display_path(os.readlink(link))} ({getattr(exc, 'strerror', None) or exc})"
    if not target.is_relative_to(root.resolve()):
        return f"symlink leaves the indexed folder: -> {display_path(target)}"
    return None


ProblemFn = Callable[[Path, str], None]


def walk_sources(root: Path, registry: dict[str, Parser], on_problem: ProblemFn | None = None) -> Iterator[Path]:
    """The indexable files of a source: the file itself, or a folder's supported files outside hidden folders.

    Symlinks are never followed out of the folder: links to folders are not walked (inside the folder their
    target is walked anyway), links to files are kept only when they resolve to a regular file inside it.
    Refused entries (such links, non-UTF-8 names, unreadable folders, non-regular files) go to ``on_problem``
    with the reason. Each real file is yielded once, as itself when it is walked, else as its first link.
    """
    if root.is_file():  # a path the user named is theirs to choose, link or not
        yield root
        return
    real_root = root.resolve()
    problem: ProblemFn = on_problem or (lambda path, reason: logger.warning("skipped %s: %s", path, reason))
    chosen: dict[Path, Path] = {}  # real file -> the path that indexes it

    def unreadable(exc: OSError) -> None:
        problem(Path(exc.filename), f"cannot read folder: {exc.strerror or exc}")

    for here, dirs, files in os.walk(root, onerror=unreadable):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in dirs:
            path = Path(here, name)
            reason = symlink_problem(path, real_root) if path.is_symlink() else None
            if reason:
                problem(path, reason)
        for name in sorted(files):
            path = Path(here, name)
            # Links whose name has no suffix may have meant a folder: report them broken too.
            link_named = path.is_symlink() and not name.startswith(".") and not path.suffix
            if not (is_supported(path, registry) or link_named):
                continue
            reason = _file_problem(path, real_root)
            if reason:
                problem(path, reason)
            elif is_supported(path, registry):
                real = path.resolve()
                if real not in chosen or (chosen[real].is_symlink() and not path.is_symlink()):
                    chosen[real] = path
    yield from sorted(chosen.values())


def _file_problem(path: Path, root: Path) -> str | None:
    """Why a walked file entry is refused, or None."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return "file name is not valid UTF-8 (rename the file)"
    if path.is_symlink() and (reason := symlink_problem(path, root)):
        return reason
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"
    if not stat.S_ISREG(mode):
        return "not a regular file" + (" (a folder)" if stat.S_ISDIR(mode) else "")
    return None
