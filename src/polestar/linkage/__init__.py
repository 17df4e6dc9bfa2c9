"""linkage"""

from typing import Literal

# The engines a run can score person pairs on (`engines.py`), named here so that the command
# line can offer them without loading Splink.
EngineName = Literal["duckdb", "spark"]
