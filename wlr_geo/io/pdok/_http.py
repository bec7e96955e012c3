"""The HTTP side of :mod:`wlr_geo.io.pdok.download`: a small polite GET-JSON client.

Standard library only (``urllib.request``). Every request carries a User-Agent naming wlr_geo
and its version, is rate limited (``rate_limit_per_s``), has a timeout, and is retried with
exponential backoff and jitter on HTTP 429/5xx, timeouts, dropped connections, truncated bodies
and malformed JSON; a ``Retry-After`` header is honoured. HTTP errors a retry cannot fix (404,
400, ...) fail at once. Pages must be GeoJSON FeatureCollections; ``numberReturned`` is checked
against the features a page holds.
"""

from __future__ import annotations

import contextlib
import email.utils
import http.client
import json
import logging
import random
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from wlr_geo._errors import DownloadError
from wlr_geo._version import __version__

__all__ = [
    "USER_AGENT",
    "DownloadSettings",
    "HttpClient",
    "Page",
    "RetryableError",
    "next_link",
    "parse_page",
]

log = logging.getLogger("wlr_geo")

USER_AGENT = f"wlr_geo/{__version__} (Python urllib; WarmtelinQ+ planning toolkit)"


@dataclass(frozen=True)
class DownloadSettings:
    """Politeness, retry and cache settings (all times in seconds).

    Attributes
    ----------
    timeout_s
        Socket timeout of one request.
    retries
        Further attempts after a failed request (so ``retries + 1`` in all).
    backoff_base_s, backoff_max_s
        Delay before retry *n* is ``min(max, base * 2**n)`` times a jitter factor in [0.5, 1];
        a server's ``Retry-After`` takes precedence (capped at ``backoff_max_s``).
    rate_limit_per_s
        At most this many requests per second (0: no limit).
    page_limit
        ``limit`` parameter (PDOK serves at most 1000 features per page).
    max_age_days
        A cached download older than this is fetched again (offline: used with a note).
    restarts
        Whole-collection restarts after a feature count that disagrees with ``numberMatched``.
    """

    timeout_s: float = 60.0
    retries: int = 4
    backoff_base_s: float = 1.0
    backoff_max_s: float = 60.0
    rate_limit_per_s: float = 2.0
    page_limit: int = 1000
    max_age_days: float = 30.0
    max_pages: int = 100_000
    restarts: int = 1
    user_agent: str = USER_AGENT


@dataclass(frozen=True)
class Page:
    """One parsed response page."""

    url: str
    body: bytes
    doc: dict[str, Any]
    content_crs: str | None


class RetryableError(Exception):
    def __init__(self, problem: str, retry_after: float | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.retry_after = retry_after


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class HttpClient:
    """A small polite GET-JSON client: rate limit, retries with backoff + jitter, timeouts.

    Thread-safe; one instance is shared by all collections of a ``fetch`` run.
    """

    def __init__(
        self, settings: DownloadSettings | None = None, *, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.settings = settings or DownloadSettings()
        self._sleep = sleep
        self._lock = threading.Lock()
        self._last_request = -1e18
        self.requests_made = 0

    def _throttle(self) -> None:
        rate = self.settings.rate_limit_per_s
        with self._lock:
            if rate > 0:
                wait = self._last_request + 1.0 / rate - time.monotonic()
                if wait > 0:
                    self._sleep(wait)
            self._last_request = time.monotonic()
            self.requests_made += 1

    def backoff(self, attempt: int) -> float:
        """Delay before retry number ``attempt`` (0-based), with jitter."""
        s = self.settings
        return min(s.backoff_max_s, s.backoff_base_s * 2**attempt) * random.uniform(0.5, 1.0)

    def get_page(self, url: str) -> Page:
        """GET ``url`` and parse it as a GeoJSON FeatureCollection page; retries as configured.

        Raises
        ------
        DownloadError
            After the last attempt, naming the URL and what was wrong; at once for HTTP
            errors that a retry cannot fix (4xx other than 429).
        """
        attempts = max(1, self.settings.retries + 1)
        problem = "no attempt made"
        for attempt in range(attempts):
            self._throttle()
            try:
                return self._get_once(url)
            except RetryableError as exc:
                problem = exc.problem
                if attempt + 1 >= attempts:
                    break
                delay = self.backoff(attempt)
                if exc.retry_after is not None:
                    delay = min(self.settings.backoff_max_s, exc.retry_after)
                log.warning("%s: %s; retry %d of %d in %.2f s", url, problem, attempt + 1,
                            attempts - 1, delay)
                self._sleep(delay)
        raise DownloadError(
            f"download failed: {url}: {problem} (gave up after {attempts} attempt(s)); "
            "pages fetched so far are kept and the next run resumes from here"
        )

    def _get_once(self, url: str) -> Page:
        s = self.settings
        req = urllib.request.Request(url, headers={  # noqa: S310 — http(s) URLs built by us
            "User-Agent": s.user_agent,
            "Accept": "application/geo+json, application/json;q=0.9",
        })
        if not url.startswith(("http://", "https://")):
            raise DownloadError(f"refusing to fetch {url!r}: only http(s) URLs are allowed")
        try:
            with urllib.request.urlopen(req, timeout=s.timeout_s) as resp:  # noqa: S310
                body = resp.read()
                content_crs = resp.headers.get("Content-Crs")
        except urllib.error.HTTPError as exc:
            with contextlib.closing(exc):
                code = exc.code
                if code == 429 or code >= 500:
                    raise RetryableError(f"HTTP {code} {exc.reason}",
                                     _retry_after(exc.headers.get("Retry-After"))) from None
                detail = ""
                with contextlib.suppress(OSError, http.client.HTTPException):
                    detail = exc.read(300).decode("utf-8", "replace").strip().replace("\n", " ")
            raise DownloadError(
                f"download failed: {url}: HTTP {code} {exc.reason}"
                + (f" ({detail})" if detail else "")
                + (" — check the dataset's collection name and base URL" if code == 404 else "")
            ) from None
        except http.client.IncompleteRead as exc:
            raise RetryableError(
                f"truncated response: got {len(exc.partial)} bytes, "
                f"{exc.expected} more were announced" if exc.expected is not None
                else f"truncated response after {len(exc.partial)} bytes"
            ) from None
        except TimeoutError:
            raise RetryableError(f"timed out after {s.timeout_s:g} s") from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise RetryableError(f"timed out after {s.timeout_s:g} s") from None
            raise RetryableError(f"connection failed: {exc.reason}") from None
        except (ConnectionError, http.client.HTTPException) as exc:
            raise RetryableError(f"connection failed: {type(exc).__name__}: {exc}") from None
        return Page(url=url, body=body, doc=parse_page(body), content_crs=content_crs)


def parse_page(body: bytes) -> dict[str, Any]:
    try:
        doc = json.loads(body)
    except UnicodeDecodeError:
        raise RetryableError("malformed JSON: the body is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        what = "truncated JSON" if exc.pos >= len(body.rstrip()) - 1 else "malformed JSON"
        raise RetryableError(f"{what}: {exc.msg} at byte {exc.pos} of {len(body)}") from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise RetryableError("the response is JSON but not a GeoJSON FeatureCollection")
    features = doc.get("features")
    if not isinstance(features, list):
        raise RetryableError("the FeatureCollection has no 'features' array")
    returned = doc.get("numberReturned")
    if isinstance(returned, int) and returned != len(features):
        raise RetryableError(f"truncated page: numberReturned is {returned} but it holds "
                         f"{len(features)} features")
    return doc


def next_link(doc: Mapping[str, Any], base_url: str) -> str | None:
    links = doc.get("links") or []
    candidates = [lk for lk in links if isinstance(lk, dict) and lk.get("rel") == "next" and lk.get("href")]
    if not candidates:
        return None
    geojson = [lk for lk in candidates if "json" in str(lk.get("type", "json"))]
    href = str((geojson or candidates)[0]["href"])
    return urllib.parse.urljoin(base_url, href)
