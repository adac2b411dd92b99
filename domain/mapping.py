"""How events are read back: the date transcoding and a mapper that decodes in one step."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.persistence import (
    Mapper,
    MapperDeserialisationError,
    StoredEvent,
    Transcoding,
    find_id_convertor,
)
from eventsourcing.utils import resolve_topic

from domain.base import METADATA_DEFAULTS, PlanAggregate


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


#: What decoding needs of an event class: the class, its id conversion, whether it is one of
#: ours (with the metadata defaults) and its class version.
Shape = tuple[type, Callable[[Any], Any], bool, int]


class EventMapper(Mapper[UUID]):
    """eventsourcing's mapper, giving events stored before a metadata field existed that
    field's value then (`redoes`: None), as every event class's own upcasts do for theirs.

    Without a cipher or compressor it decodes in one step with what it worked out once per
    topic (a rebuild decodes every event of the log, and the general path was a third of it)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shapes: dict[tuple[str, type], Shape] = {}

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        shape = None if self.cipher or self.compressor else self._shape(stored_event)
        if shape is None:
            event = super().to_domain_event(stored_event)
            if isinstance(event, PlanAggregate.Event):
                for name, value in METADATA_DEFAULTS.items():
                    event.__dict__.setdefault(name, value)
            return event
        cls, convert, ours, class_version = shape
        try:
            state = self.transcoder.decode(stored_event.state)
        except Exception as error:
            raise MapperDeserialisationError(
                f"Failed to deserialise state of stored event with topic {stored_event.topic!r}, "
                f"originator_id {stored_event.originator_id!r} and originator_version "
                f"{stored_event.originator_version}: {error}") from error
        state["originator_id"] = convert(stored_event.originator_id)
        state["originator_version"] = stored_event.originator_version
        version = state.pop("class_version", 1)
        while version < class_version:  # as eventsourcing upcasts
            getattr(cls, f"upcast_v{version}_v{version + 1}")(state)
            version += 1
        if ours:
            for name, value in METADATA_DEFAULTS.items():
                state.setdefault(name, value)
        event = object.__new__(cls)
        object.__setattr__(event, "__dict__", state)
        return event

    def _shape(self, stored_event: StoredEvent) -> Shape:
        """The event class, its id conversion, whether it is ours, and its class version."""
        key = (stored_event.topic, type(stored_event.originator_id))
        shape = self._shapes.get(key)
        if shape is None:
            cls = resolve_topic(key[0])
            shape = self._shapes[key] = (cls, find_id_convertor(cls, key[1]),
                                         issubclass(cls, PlanAggregate.Event),
                                         getattr(cls, "class_version", 1))
        return shape
