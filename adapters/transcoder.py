"""eventsourcing's JSON transcoder with a faster decode (orjson), for rebuilds and catch-up.

Encoding is unchanged, so stored bytes are exactly what eventsourcing's JSONTranscoder writes;
decoding parses with orjson and then restores the tagged values ({"_type_", "_data_"}).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
from eventsourcing.persistence import JSONTranscoder

# orjson writes what the audit's standard encoder writes (compact, UTF-8, keys in order; years
# as keys made text), several times faster; dates and times go to the same default.
_AUDIT_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


def fast_details_json(standard: Callable[[Any], str],
                      default: Callable[[Any], Any]) -> Callable[[Any], str]:
    """An encoder writing exactly what `standard` (a json.JSONEncoder's encode with `default`)
    writes; it hands `standard` what orjson does not take (an integer past 64 bits)."""
    def encode(fields: Any) -> str:
        try:
            return orjson.dumps(fields, default=default, option=_AUDIT_OPTIONS).decode()
        except TypeError:
            return standard(fields)
    return encode


class FastJSONTranscoder(JSONTranscoder):
    def decode(self, data: bytes) -> Any:
        tags = data.count(b'"_type_"')  # a string's own quotes are escaped: only real keys count
        value = orjson.loads(data)
        if tags == 0:
            return value
        if tags == 1 and type(value) is dict:
            # Nearly every event's one tagged value is its timestamp: restore that alone
            # instead of walking the whole event for tags that are not there.
            stamp = value.get("timestamp")
            if type(stamp) is dict and len(stamp) == 2 and "_type_" in stamp and "_data_" in stamp:
                value["timestamp"] = self.names[stamp["_type_"]].decode(stamp["_data_"])
                return value
        return self._restore(value)

    def _restore(self, value: Any) -> Any:
        if type(value) is list:
            return [self._restore(item) if type(item) in (dict, list) else item for item in value]
        if type(value) is not dict:
            return value
        if len(value) == 2 and "_type_" in value and "_data_" in value:
            return self.names[value["_type_"]].decode(self._restore(value["_data_"]))
        for key, item in value.items():
            kind = type(item)
            if kind is dict:
                if len(item) == 2 and "_type_" in item and "_data_" in item:
                    data = item["_data_"]
                    if type(data) in (dict, list):
                        data = self._restore(data)
                    value[key] = self.names[item["_type_"]].decode(data)
                else:
                    value[key] = self._restore(item)
            elif kind is list:
                value[key] = self._restore(item)
        return value
