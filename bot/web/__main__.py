"""`python -m bot.web`: runs the web app (the launcher and the tests start it so)."""

from bot.web.app import main

main()
