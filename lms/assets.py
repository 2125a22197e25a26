"""Static files under URLs that carry a hash of their content, cached by browsers for a year.

`url_for("core.static", filename="css/app.css")` gives `/static/css/app.<hash>.css`: a file that
changes gets a new URL, so the old one may be kept forever. Without it, every page of a trainee on
a satellite link (2 s round trip) waited for the style sheet to be revalidated before painting.

- a hashed URL whose hash is the file's: `Cache-Control: public, max-age=31536000, immutable`;
- an old or wrong hash (a page cached before a deploy): the current file, revalidated each time
  (`no-cache` with its ETag), so nothing breaks and nothing wrong is kept;
- the plain name: served as before (revalidated), for whatever links to it from outside; the
  templates never emit it, since the rewrite happens in `url_for` itself (a URL default).

Why not Flask-Static-Digest: it writes hashed copies into `static/` by a build command that every
checkout, test run and deploy must remember, keeps no old hash working, and sets one cache age for
every static file; this is one stat per `url_for` and a dictionary.
"""

from __future__ import annotations

import hashlib
import re
import threading
from pathlib import Path
from typing import Any, NamedTuple

from werkzeug.security import safe_join

IMMUTABLE = "public, max-age=31536000, immutable"
DIGEST_LENGTH = 12
# "css/app.0123456789ab.css" -> ("css/app", "0123456789ab", ".css"); the extension may be absent.
HASHED_NAME = re.compile(
    rf"^(?P<stem>.+?)\.(?P<digest>[0-9a-f]{{{DIGEST_LENGTH}}})(?P<ext>\.[^/.]+)?$"
)


class HashedName(NamedTuple):
    filename: str  # the file's own name under the static folder
    digest: str  # the hash the URL carried


class Digests:
    """The content hashes of one static folder's files, read again when a file changes."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = str(folder)
        self._known: dict[str, tuple[int, int, str]] = {}  # filename -> (mtime_ns, size, digest)
        self._lock = threading.Lock()

    def digest(self, filename: str) -> str | None:
        """The hash of a file's content (None if there is no such file)."""
        path = safe_join(self.folder, filename)
        if path is None:
            return None
        try:
            stat = Path(path).stat()
        except OSError:
            return None
        known = self._known.get(filename)
        if known and known[:2] == (stat.st_mtime_ns, stat.st_size):
            return known[2]
        try:
            digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:DIGEST_LENGTH]
        except OSError:  # a directory, or gone since the stat
            return None
        with self._lock:
            self._known[filename] = (stat.st_mtime_ns, stat.st_size, digest)
        return digest

    def hashed(self, filename: str) -> str:
        """The name to put in a URL: the hash before the extension ("css/app.<hash>.css")."""
        digest = self.digest(filename)
        if digest is None:
            return filename
        folder, _, name = filename.rpartition("/")
        stem, dot, ext = name.rpartition(".")
        name = f"{stem}.{digest}.{ext}" if dot and stem else f"{name}.{digest}"
        return f"{folder}/{name}" if folder else name

    def split(self, requested: str) -> HashedName | None:
        """The file a hashed name stands for, if it is one (whether or not the hash is current)."""
        match = HASHED_NAME.match(requested)
        if match is None:
            return None
        filename = match["stem"] + (match["ext"] or "")
        if self.digest(filename) is None:
            return None  # a real file that only looks hashed, or nothing: served as named
        return HashedName(filename, match["digest"])


def serve(digests: Digests, send: Any, filename: str) -> Any:
    """Serve a static file by its plain or hashed name (send is the blueprint's static view)."""
    hashed = digests.split(filename)
    if hashed is None:
        return send(filename=filename)
    response = send(filename=hashed.filename)
    if response.status_code in (200, 304) and hashed.digest == digests.digest(hashed.filename):
        response.headers["Cache-Control"] = IMMUTABLE
    else:  # an old or wrong hash: this content, revalidated every time
        response.headers["Cache-Control"] = "no-cache"
    return response
