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
        if type(value) is dict:
            if len(value) == 2 and "_type_" in value and "_data_" in value:
                return self.names[value["_type_"]].decode(self._restore(value["_data_"]))
            for key, item in value.items():
                if type(item) is dict or type(item) is list:
                    value[key] = self._restore(item)
        elif type(value) is list:
            for index, item in enumerate(value):
                if type(item) is dict or type(item) is list:
                    value[index] = self._restore(item)
        return value
