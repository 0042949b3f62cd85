"""Rebuild ``app.db``: the demo application database that the seed campaign's
``check_plan`` step reads. Run it with ``python workflows/demo/create_app_db.py``."""

import sqlite3
from pathlib import Path

USERS = [
    ("ada@example.com", "free"),
    ("grace@example.com", "pro"),
    ("linus@example.com", "free"),
]

path = Path(__file__).with_name("app.db")
path.unlink(missing_ok=True)
with sqlite3.connect(path) as connection:
    connection.execute("CREATE TABLE users (email TEXT PRIMARY KEY, plan TEXT NOT NULL)")
    connection.executemany("INSERT INTO users (email, plan) VALUES (?, ?)", USERS)
connection.close()
print(f"wrote {path}")
