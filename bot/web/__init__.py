"""The public web app (aiohttp): the chat page and its WebSocket relay to Rasa, and the
confirmation pages (HTML and PDF). `python -m bot.web` runs it; see bot.web.app."""
