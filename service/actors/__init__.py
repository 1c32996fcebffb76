"""Dramatiq actors and the worker's wiring. The only package that imports Dramatiq."""

from service.actors.broker import build_broker
from service.actors.jobs import declare_actors
from service.actors.publisher import DramatiqPublisher

__all__ = ["DramatiqPublisher", "build_broker", "declare_actors"]
