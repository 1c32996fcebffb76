# syntax=docker/dockerfile:1
#
# One image for every leadjobs process: `migrate`, `api`, `worker` and the admin
# commands (`keys`, `cleanup`, ...). The entrypoint is the `leadjobs` CLI, so
#   docker run IMAGE worker --processes 2
#   docker run IMAGE keys create --name demo
# run those subcommands. compose.yaml beside this file runs the whole stack.
#
# No secrets are baked in: every setting is an environment variable read at
# start-up (see SPEC.md §4 / docs/deploy.md).

FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# The service runs as this unprivileged user; the code stays owned by root, read-only to it.
RUN groupadd --system --gid 10001 leadjobs \
 && useradd --system --uid 10001 --gid leadjobs --create-home --home-dir /home/leadjobs leadjobs

WORKDIR /app

# Dependencies first, so this layer is rebuilt only when the lock or pyproject.toml
# changes. Only the runtime dependencies are installed: the names come from
# pyproject.toml's [project].dependencies and every version (transitive ones too)
# from requirements.lock, used as a constraints file, so the lock's dev-only tools
# (pytest, mypy, ruff and what only they need) stay out of the image.
COPY requirements.lock pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > /tmp/runtime-deps.txt \
 && pip install --no-cache-dir --constraint requirements.lock --requirement /tmp/runtime-deps.txt \
 && rm /tmp/runtime-deps.txt

# Then the source. An *editable* install keeps the repository layout under /app:
# `leadjobs migrate` finds alembic.ini and migrations/ next to service/ (see
# service/repo/admin.py), which a plain install into site-packages would break.
COPY . .
RUN pip install --no-cache-dir --no-deps --editable . \
 && python -m compileall -q service migrations \
 && pip check

USER 10001:10001

EXPOSE 8000

# No HEALTHCHECK here: the same image runs workers, which serve no HTTP.
# compose.yaml gives the api service one (GET /healthz).
ENTRYPOINT ["leadjobs"]
CMD ["api", "--host", "0.0.0.0"]
