"""The load test's users: an analyst at a desk searching, opening profiles and networks.

Run by `bench/web.py --load` as its own `locust` command, never imported by the app or the
tests (Locust patches `ssl` through gevent). Reads from the environment: `POLESTAR_BENCH_PURPOSE`,
`POLESTAR_BENCH_JUSTIFICATION` (optional) and `POLESTAR_BENCH_PLAN`, a JSON file
`{"queries": [...], "persons": [...], "tokens": [...]}` of search texts, person entity ids and
bearer tokens, one per user (each analyst has their own, and their own rate limit). The mix is
the issue's: 60% search, 30% profile, 10% network (2 hops); each user waits 1–3 s between
requests. Users are `FastHttpUser`s (geventhttpclient, not requests): Locust shares the two
cores with the server it measures, and this client costs it a fraction of the CPU.
"""

from __future__ import annotations

import itertools
import json
import os
import random
from pathlib import Path

from locust import FastHttpUser, between, task

PLAN = json.loads(Path(os.environ["POLESTAR_BENCH_PLAN"]).read_text(encoding="utf-8"))
PURPOSE = {"X-Polestar-Purpose": os.environ["POLESTAR_BENCH_PURPOSE"]}
if os.environ.get("POLESTAR_BENCH_JUSTIFICATION"):
    PURPOSE["X-Polestar-Justification"] = os.environ["POLESTAR_BENCH_JUSTIFICATION"]
TOKENS = itertools.cycle(PLAN["tokens"])


class Analyst(FastHttpUser):
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.headers = {**PURPOSE, "Authorization": f"Bearer {next(TOKENS)}"}

    @task(60)
    def search(self) -> None:
        query = random.choice(PLAN["queries"])
        self.client.post(
            "/api/v1/search",
            json={"query": query, "limit": 10},
            headers=self.headers,
            name="search",
        )

    @task(30)
    def profile(self) -> None:
        entity = random.choice(PLAN["persons"])
        self.client.get(f"/api/v1/persons/{entity}", headers=self.headers, name="profile")

    @task(10)
    def network(self) -> None:
        entity = random.choice(PLAN["persons"])
        self.client.get(f"/api/v1/network/{entity}?hops=2", headers=self.headers, name="network")
