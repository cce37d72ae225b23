"""Runs `rasa train` in this process, without two warnings that are false here.

`python -m bot.train <rasa train options>` (the Makefile's model target) trains as
`rasa train` does. Rasa warns that entity examples and lookup tables go unused
when neither DIET nor CRFEntityExtractor is in the pipeline; ours uses both
(bot.nlu.vocabulary learns from the entity examples, the RegexFeaturizer's lookup
features feed bot.nlu.intent_classifier), so those two warnings would only
mislead whoever reads the training output.
"""

from __future__ import annotations

import sys
import warnings
from typing import Any

FALSE_WARNINGS = (
    "You have defined training data consisting of entity examples",
    "You have defined training data consisting of lookup tables, but your NLU configuration does not include any",
)


def main() -> None:
    sys.argv = ["rasa", "train", *sys.argv[1:]]
    import rasa.__main__

    configure = rasa.__main__.configure_logging_and_warnings

    # Rasa puts its own "show once" filter first when it configures its warnings,
    # so ours go in after it.
    def configure_then_ignore(*args: Any, **kwargs: Any) -> None:
        configure(*args, **kwargs)
        for start in FALSE_WARNINGS:
            warnings.filterwarnings("ignore", message=start)

    rasa.__main__.configure_logging_and_warnings = configure_then_ignore
    rasa.__main__.main()


if __name__ == "__main__":
    main()
