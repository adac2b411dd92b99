"""eventsourcing's JSON transcoder with a faster decode (orjson), for rebuilds and catch-up.

Encoding is unchanged, so stored bytes are exactly what eventsourcing's JSONTranscoder writes;
decoding parses with orjson and then restores the tagged values ({"_type_", "_data_"}).
"""

from __future__ import annotations

from typing import Any

import orjson
from eventsourcing.persistence import JSONTranscoder


class FastJSONTranscoder(JSONTranscoder):
    def decode(self, data: bytes) -> Any:
        return self._restore(orjson.loads(data))

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
