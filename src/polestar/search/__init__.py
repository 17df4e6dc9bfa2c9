"""Search and profiles: finding golden entities by what people type, and showing them."""

from polestar.search.index import rebuild, refresh, refresh_stale
from polestar.search.results import Result, SearchPage, search

__all__ = ["Result", "SearchPage", "rebuild", "refresh", "refresh_stale", "search"]
