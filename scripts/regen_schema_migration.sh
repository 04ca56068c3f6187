#!/usr/bin/env bash
# Pre-release only: regenerate the initial schema migration (0001) from the models.
# Once Gemba has a release, new changes get new revisions instead.
set -euo pipefail
cd "$(dirname "$0")/.."
# One regeneration at a time, even when several developers run it.
exec 9>/tmp/gemba-regen-migration.lock
flock 9
tmp=$(mktemp -d)
versions=src/gemba/migrations/versions
# Generate against an empty database with only 0001 in play: park the later revisions.
mkdir "$tmp/parked"
find "$versions" -maxdepth 1 -name '0*.py' ! -name '0001_schema.py' -exec mv {} "$tmp/parked/" \;
trap 'mv "$tmp"/parked/*.py "$versions"/ 2>/dev/null; rm -rf "$tmp"' EXIT
rm -f "$versions/0001_schema.py"
.venv/bin/python - "$tmp" <<'PY'
import sys
from alembic import command
from gemba.core.db.migrate import alembic_config
cfg = alembic_config(f"sqlite:///{sys.argv[1]}/empty.db")
command.revision(cfg, message="schema", autogenerate=True, rev_id="0001_schema",
                 head="base", version_path=None)
PY
# 0001 must stay the root and 0002 (seed data) must build on it.
sed -i "s/^down_revision: str | None = .*/down_revision: str | None = None/" \
  src/gemba/migrations/versions/0001_schema*.py
mv src/gemba/migrations/versions/0001_schema*.py src/gemba/migrations/versions/0001_schema.py
.venv/bin/ruff format -q src/gemba/migrations/versions/0001_schema.py
.venv/bin/ruff check -q --fix src/gemba/migrations/versions/0001_schema.py || true
