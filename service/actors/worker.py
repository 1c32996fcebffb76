"""The module ``leadjobs worker`` hands to Dramatiq: builds the broker and its actors."""

from __future__ import annotations

import os

import dramatiq

from service import logs
from service.actors.broker import build_broker
from service.actors.jobs import declare_actors
from service.actors.resources import WorkerResources
from service.settings import Settings
from service.threads import favour_io_threads

favour_io_threads()
settings = Settings.from_env(os.environ)
logs.configure(settings.log_format)
broker = build_broker(settings)
actors = declare_actors(broker, settings)
broker.add_middleware(WorkerResources(settings, actors))
dramatiq.set_broker(broker)
