"""The hand-worked pipeline of tests/pipeline: one agreement (New York, Mon-Fri 09:00-17:00,
no public holidays, USD), five leads, their dispositions and their opportunities, and the
installed ``slactl`` run on them in a subprocess.

May 2024, times New York (EDT, -04:00):

- L-1 handed off Wed 05-01 10:00, qualified Thu 05-02 10:00 (cycle 1); handed back Mon
  05-13 10:00, qualified Tue 05-14 10:00 (cycle 2).
  O-1 created Mon 05-06 10:00 (cycle 1), 10,000, won Tue 05-21 12:00.
  O-2 created Wed 05-15 10:00 (cycle 2), 5,000, open (Negotiation).
- L-2 handed off Mon 05-06 09:30, qualified Tue 05-07 11:00.
  O-3 created Wed 05-08 10:00, 8,000, lost Mon 05-20.  O-4 in EUR: rejected.
- L-3 handed off Wed 05-08 10:00, qualified Thu 05-09 10:00, no opportunity.
- L-4 handed off Thu 05-09 10:00, disqualified Fri 05-10 10:00.
- L-5 created Fri 05-10 10:00, never handed off (not an MQL).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

SLACTL = Path(sys.executable).parent / "slactl"

AGREEMENT = """\
slactl: 1
name: acme-2024
title: Acme 2024
period: {start: 2024-01-01, end: 2024-12-31}
calendar:
  timezone: America/New_York
  hours: {mon-fri: "09:00-17:00"}
definitions:
  touch_kinds: [call, email, meeting]
  outcomes: [qualified, disqualified, nurture]
  currency: USD
commitments:
  sales:
    - id: disposition
      measure: disposition
      within: 10 business days
      target: 95%
    - id: opportunity
      activity: An opportunity for every qualified lead
      measure: opportunity
      within: 5 business days
      target: 90%
  marketing:
    - id: mql-volume
      measure: mql_volume
      target: 100%
    - id: pipeline
      activity: Contribution to the revenue pipeline
      measure: pipeline
      target: 100%
"""
QUOTAS = "mql_volume:\n  2024-05: 4\npipeline:\n  2024-05: 20000\n"
LEADS = """\
external_id,email,owner,score,created_at,handed_off_at
L-1,ann@a.example,alice,80,2024-05-01T09:00-04:00,2024-05-01T10:00-04:00
L-2,bo@b.example,bob,80,2024-05-06T09:00-04:00,2024-05-06T09:30-04:00
L-3,cy@c.example,alice,80,2024-05-08T09:00-04:00,2024-05-08T10:00-04:00
L-4,di@d.example,bob,80,2024-05-09T09:00-04:00,2024-05-09T10:00-04:00
L-5,ed@e.example,bob,10,2024-05-10T10:00-04:00,
"""
ACTIVITIES = """\
lead,kind,rep,at,outcome
L-1,disposition,alice,2024-05-02T10:00-04:00,qualified
L-1,handoff,alice,2024-05-13T10:00-04:00,
L-1,disposition,alice,2024-05-14T10:00-04:00,qualified
L-2,disposition,bob,2024-05-07T11:00-04:00,qualified
L-3,disposition,alice,2024-05-09T10:00-04:00,qualified
L-4,disposition,bob,2024-05-10T10:00-04:00,disqualified
"""
OPPORTUNITIES = """\
id,lead,created_at,amount,currency,stage,closed_at,won
O-1,L-1,2024-05-06T10:00-04:00,10000,USD,Closed Won,2024-05-21T12:00-04:00,true
O-2,ann@a.example,2024-05-15T10:00-04:00,"5,000.00",usd,Negotiation,,
O-3,L-2,2024-05-08T10:00-04:00,8000,,Closed Lost,2024-05-20,false
O-4,L-2,2024-05-09T10:00-04:00,3000,EUR,Prospecting,,
"""
AS_OF = "2024-06-03T09:00-04:00"


def setup(tmp: Path) -> dict[str, str]:
    """The agreement, quotas and the three files in ``tmp``, the leads and activities
    imported; the environment that points ``slactl`` at them."""
    (tmp / "agreements").mkdir()
    (tmp / "agreements" / "acme-2024.yaml").write_text(AGREEMENT)
    (tmp / "agreements" / "quotas.yaml").write_text(QUOTAS)
    for name, body in (
        ("leads.csv", LEADS),
        ("activities.csv", ACTIVITIES),
        ("opps.csv", OPPORTUNITIES),
    ):
        (tmp / name).write_text(body)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "SLACTL_DB": str(tmp / "l.db"),
        "SLACTL_AGREEMENTS": str(tmp / "agreements"),
        "COLUMNS": "200",
    }
    for name in ("leads.csv", "activities.csv"):
        assert run(env, "import", str(tmp / name)).returncode == 0
    return env


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SLACTL), *args], env=env, capture_output=True, text=True, timeout=120
    )


def report(env: dict[str, str], *args: str) -> dict[str, Any]:
    r = run(env, "report", "--month", "2024-05", "--as-of", AS_OF, "--format", "json", *args)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)  # type: ignore[no-any-return]
