"""The domain: plain Python with no Rasa, Sanic or aiohttp import (text helpers, validators,
dates, countries, the embassy profile, the registry, settings, translations, the confirmation)."""
