#!/bin/sh
# The image's entrypoint (deploy/Dockerfile): one image, three roles.
#
#   rasa | actions | web   starts that process (extra arguments are passed on);
#   anything else          runs as given, e.g. `python -m bot.rasa_server --model …`.
#
# What `python -m bot.launcher` does for the processes it starts, done here for one:
# - BOT_SECRET_KEY must be set: every replica must share it (registry hashes,
#   conversation ids, the action server's token). Without it each container would
#   generate a key of its own into DATA_DIR.
# - ACTION_SERVER_TOKEN, which endpoints.yml makes Rasa send to the action server, is
#   derived from BOT_SECRET_KEY (bot.core.settings.action_server_token), as the action
#   server derives the token it expects: it is never configured by hand.
# - the Rasa server needs ACTION_ENDPOINT_URL (e.g. http://actions:5055/webhook).
set -eu

role="${1:-web}"
case "$role" in
  rasa)
    shift
    set -- python -m bot.rasa_server --model models/bot.tar.gz \
      --port "${RASA_PORT:-5005}" --interface "${RASA_HOST:-0.0.0.0}" \
      --credentials credentials.yml --endpoints endpoints.yml "$@"
    ;;
  actions)
    shift
    set -- python -m bot.action_server "$@"
    ;;
  web)
    shift
    set -- python -m bot.web "$@"
    ;;
esac

case "$*" in
  *bot.rasa_server*|*bot.action_server*|*bot.web*|*bot.launcher*)
    if [ -z "${BOT_SECRET_KEY:-}" ]; then
      echo "BOT_SECRET_KEY is not set. Give every container the same key" >&2
      echo "(e.g. from 'openssl rand -hex 32', kept in your secret store)." >&2
      exit 64
    fi
    ACTION_SERVER_TOKEN="$(python -c 'import os
from bot.core.settings import action_server_token
print(action_server_token(os.environ["BOT_SECRET_KEY"].encode()))')"
    export ACTION_SERVER_TOKEN
    ;;
esac

case "$*" in
  *bot.rasa_server*)
    if [ -z "${ACTION_ENDPOINT_URL:-}" ]; then
      echo "ACTION_ENDPOINT_URL is not set: the Rasa server needs the action server's" >&2
      echo "webhook, e.g. http://actions:5055/webhook." >&2
      exit 64
    fi
    ;;
esac

exec "$@"
