"""Search and profiles: finding golden entities by what people type, and showing them."""

from polestar.search.index import merge_if_due, rebuild, refresh, refresh_stale
from polestar.search.results import Result, SearchPage, search

__all__ = [
    "Result",
    "SearchPage",
    "merge_if_due",
    "rebuild",
    "refresh",
    "refresh_stale",
    "search",
]
