"""JWKS from a URL: fetched by a background thread, never on a request's path.

The thread fetches the configured URL (and only that URL: nothing named inside a token
is ever fetched), then pushes the document into the core, which checks it and swaps its
key set on the event loop. A failed fetch or a document the core refuses keeps the keys
already loaded. Refresh: every `refresh_seconds`; while no keys have loaded yet, retried
sooner (every min(refresh_seconds, 30) seconds).
"""

from __future__ import annotations

import logging
import threading
import urllib.error
import urllib.request
from typing import Callable, Optional

logger = logging.getLogger("fasterapi.mcp")

MAX_JWKS_BYTES = 1 << 20
FETCH_TIMEOUT_S = 10.0


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect could point anywhere (http, another host): the configured URL only."""

    def redirect_request(self, *args, **kwargs):  # type: ignore[override]
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def fetch_jwks(url: str, timeout: float = FETCH_TIMEOUT_S) -> str:
    """The document at `url` as text; raises OSError / ValueError with a short reason."""
    request = urllib.request.Request(url, headers={"Accept": "application/json",
                                                   "User-Agent": "fasterapi-mcp-jwks"})
    with _opener.open(request, timeout=timeout) as response:
        status = getattr(response, "status", 200)
        if status != 200:
            raise ValueError(f"HTTP {status}")
        body = response.read(MAX_JWKS_BYTES + 1)
    if len(body) > MAX_JWKS_BYTES:
        raise ValueError(f"larger than {MAX_JWKS_BYTES} bytes")
    return body.decode("utf-8")


class JwksRefresher:
    """Fetch now, then every `refresh_seconds` on a daemon thread; `push(text)` returns
    "" when the core took the keys, else why it refused them."""

    def __init__(self, url: str, refresh_seconds: int, push: Callable[[str], str],
                 fetch: Callable[[str], str] = fetch_jwks) -> None:
        self.url = url
        self.refresh_seconds = refresh_seconds
        self._push = push
        self._fetch = fetch
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread: Optional[threading.Thread] = None
        self.loaded = False
        self.last_error: Optional[str] = None

    def refresh(self) -> Optional[str]:
        """One fetch and push, now, on the caller's thread. None on success, else why."""
        with self._lock:
            try:
                text = self._fetch(self.url)
            except (OSError, ValueError, urllib.error.URLError) as exc:
                error = f"fetching {self.url} failed: {getattr(exc, 'reason', exc)}"
            else:
                refused = self._push(text)
                error = f"{self.url}: {refused}" if refused else None
            if error is None:
                self.loaded = True
            else:
                logger.warning("fasterapi.mcp: JWKS %s; keeping the keys already loaded", error)
            self.last_error = error
            return error

    def start(self) -> None:
        self.refresh()
        self._thread = threading.Thread(target=self._run, name="fasterapi-jwks", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            wait = self.refresh_seconds if self.loaded else min(self.refresh_seconds, 30)
            if self._stop.wait(wait):
                return
            self.refresh()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=FETCH_TIMEOUT_S + 1)
