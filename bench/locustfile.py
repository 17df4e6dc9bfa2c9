"""The load test's users: an analyst at a desk searching, opening profiles and networks.

Run by `bench/web.py --load` as its own `locust` command, never imported by the app or the
tests (Locust patches `ssl` through gevent). Reads from the environment: `POLESTAR_BENCH_TOKEN`
(a bearer token), `POLESTAR_BENCH_PURPOSE`, `POLESTAR_BENCH_JUSTIFICATION` (optional) and
`POLESTAR_BENCH_PLAN`, a JSON file `{"queries": [...], "persons": [...]}` of search texts and
person entity ids. The mix is the issue's: 60% search, 30% profile, 10% network (2 hops);
each user waits 1–3 s between requests.
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

from locust import HttpUser, between, task

PLAN = json.loads(Path(os.environ["POLESTAR_BENCH_PLAN"]).read_text(encoding="utf-8"))
HEADERS = {
    "Authorization": f"Bearer {os.environ['POLESTAR_BENCH_TOKEN']}",
    "X-Polestar-Purpose": os.environ["POLESTAR_BENCH_PURPOSE"],
}
if os.environ.get("POLESTAR_BENCH_JUSTIFICATION"):
    HEADERS["X-Polestar-Justification"] = os.environ["POLESTAR_BENCH_JUSTIFICATION"]


class Analyst(HttpUser):
    wait_time = between(1, 3)

    @task(60)
    def search(self) -> None:
        query = random.choice(PLAN["queries"])
        self.client.post(
            "/api/v1/search", json={"query": query, "limit": 10}, headers=HEADERS, name="search"
        )

    @task(30)
    def profile(self) -> None:
        entity = random.choice(PLAN["persons"])
        self.client.get(f"/api/v1/persons/{entity}", headers=HEADERS, name="profile")

    @task(10)
    def network(self) -> None:
        entity = random.choice(PLAN["persons"])
        self.client.get(
            f"/api/v1/network/{entity}", params={"hops": 2}, headers=HEADERS, name="network"
        )
