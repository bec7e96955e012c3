"""Downloads from PDOK, the national geodata portal (the only code that uses the network).

``datasets`` holds the table of PDOK datasets and their query rules, ``download`` the paged,
resumable, cached download, ``_http`` the transport.
"""

from __future__ import annotations

__all__: list[str] = []
