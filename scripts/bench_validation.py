"""Times the validation of one action-server response, Rasa's own call against
bot.rasa_tuning's (a benchmark: it prints numbers and asserts nothing).

Run: .venv/bin/python scripts/bench_validation.py
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

from bot import rasa_tuning

# The shape of a form validation's answer: many slot events and one message.
RESPONSE = {
    "events": [{"event": "slot", "name": f"slot_{index}", "value": None} for index in range(17)]
    + [{"event": "active_loop", "name": "applicant_form"}],
    "responses": [{"text": "Hola", "buttons": [{"title": "Sí", "payload": "/affirm"}]}],
}


def median_ms(validate: Callable[[RemoteAction, Any], bool], action: RemoteAction, calls: int = 30) -> float:
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        validate(action, RESPONSE)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    action = RemoteAction("action_x", EndpointConfig("http://127.0.0.1:1/webhook"))
    original = RemoteAction._validate_action_result
    print("round  rasa (ms)  tuned (ms)")
    for round_number in range(1, 4):
        rasa_ms = median_ms(original, action)
        tuned_ms = median_ms(rasa_tuning.validate_action_result, action)
        print(f"{round_number:5}  {rasa_ms:9.2f}  {tuned_ms:10.2f}")


if __name__ == "__main__":
    main()
