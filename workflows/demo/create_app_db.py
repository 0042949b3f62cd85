"""Rebuild ``app.db``: the demo application database that the seed campaign's
``check_plan`` step and the weekly newsletter's audience query read. Run it
with ``python workflows/demo/create_app_db.py``.

The first three users are the ones the seed campaign's scenarios name; a few
hundred more, generated the same way every time, make the newsletter's
audience (each with a time zone, most opted in).
"""

import sqlite3
from pathlib import Path

USERS = [
    ("ada@example.com", "free", "Ada", "Europe/London", True),
    ("grace@example.com", "pro", "Grace", "America/New_York", True),
    ("linus@example.com", "free", "Linus", "Europe/Helsinki", False),
]
NAMES = ["Amélie", "Bruno", "Chloé", "Dev", "Emi", "Farah", "Gus", "Hana", "Ines", "Jon"]
ZONES = [
    "Europe/Paris",
    "America/New_York",
    "Asia/Tokyo",
    "America/Los_Angeles",
    "Australia/Sydney",
    "Europe/Berlin",
    "",  # no zone on file: the newsletter's fallback, Europe/Paris
]
GENERATED = 300

for n in range(GENERATED):
    name = NAMES[n % len(NAMES)]
    email = f"{name.lower().replace('é', 'e')}.{n}@example.com"
    # Every seventh user has opted out of the newsletter.
    USERS.append((email, "pro" if n % 4 == 0 else "free", name, ZONES[n % len(ZONES)], n % 7 != 3))

path = Path(__file__).with_name("app.db")
path.unlink(missing_ok=True)
with sqlite3.connect(path) as connection:
    connection.execute(
        "CREATE TABLE users (email TEXT PRIMARY KEY, plan TEXT NOT NULL,"
        " id INTEGER NOT NULL UNIQUE, first_name TEXT NOT NULL, timezone TEXT NOT NULL,"
        " newsletter BOOLEAN NOT NULL)"
    )
    connection.executemany(
        "INSERT INTO users (email, plan, id, first_name, timezone, newsletter)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [(e, plan, i + 1, first, zone, on) for i, (e, plan, first, zone, on) in enumerate(USERS)],
    )
connection.close()
print(f"wrote {path}")
