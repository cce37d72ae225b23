"""Starts `rasa run` in this process, with what the command line must not show.

`python -m bot.rasa_server <rasa run options>` (the launcher starts it) adds:
- the API token from RASA_AUTH_TOKEN, handed to Rasa inside the process, so that it
  never appears in `ps` (and RASA_JWT_SECRET, for `Authorization: Bearer <JWT>`:
  Rasa 3.6 reads its static token only from `?token=`, its JWT from the header);
- log redaction (bot.core.log_privacy) before Rasa writes its first line;
- the changes of bot.rasa_tuning (action responses validated without re-checking
  Rasa's schema on every call);
- typed button titles read as the button (bot.typed_buttons), in every channel;
- a cap on request bodies (Sanic's REQUEST_MAX_SIZE, read from the environment
  when Rasa creates its app), checked against Content-Length before any is read;
- one OpenBLAS thread (OPENBLAS_NUM_THREADS, read when numpy loads): its idle
  worker threads busy-wait, and took most of a core under load for nothing.
"""

from __future__ import annotations

import os
import sys

from bot.core.log_privacy import install_redaction

MAX_BODY_BYTES = 1024 * 1024


def rasa_argv(options: list[str], env: dict[str, str] | os._Environ[str]) -> list[str]:
    """The argv of `rasa run` with `options`, plus the API switches that `env` asks for."""
    argv = ["rasa", "run", *options]
    token, jwt_secret = env.get("RASA_AUTH_TOKEN"), env.get("RASA_JWT_SECRET")
    if token or jwt_secret:
        argv.append("--enable-api")
    if token:
        argv += ["--auth-token", token]
    if jwt_secret:
        argv += ["--jwt-secret", jwt_secret]
    return argv


def set_defaults(env: dict[str, str] | os._Environ[str]) -> None:
    """The body cap and the BLAS threads, unless the environment sets them."""
    env.setdefault("SANIC_REQUEST_MAX_SIZE", str(MAX_BODY_BYTES))
    env.setdefault("OPENBLAS_NUM_THREADS", "1")


def main() -> None:
    install_redaction()
    set_defaults(os.environ)
    sys.argv = rasa_argv(sys.argv[1:], os.environ)
    from rasa.__main__ import main as rasa_main

    from bot import rasa_tuning, typed_buttons

    rasa_tuning.install()
    typed_buttons.install()

    rasa_main()


if __name__ == "__main__":
    main()
