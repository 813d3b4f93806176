"""The page's paths. The same routes serve `/` for `Host: <subdomain>.<domain>` and
`/sites/<subdomain>/` on a bare address (app.py mounts them twice).

    GET  /                          the booking steps (choices in the query)
    POST /bestill                   the details form: book, then the code step (a GET, as
                                    after going back in the browser, starts again)
    GET  /kode/<id>, POST           the one-time code
    GET  /bekreftet/<id>            the confirmation
    GET  /mine-timer                "Mine timer" (the login form when not logged in)
    POST /mine-timer/logg-inn       SMS login: the national id, then the code step
    POST /mine-timer/logg-ut
    GET  /mine-timer/<n>/flytt, POST   moving an appointment
    POST /mine-timer/<n>/avbestill     cancelling one
    GET  /static/side.css, /tema.css, /analyse.js
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from reconciler.site.page import appointments, assets, confirmation, steps

ROUTES: list[BaseRoute] = [
    Route("/", steps.booking_page, methods=["GET"]),
    Route("/bestill", steps.post_booking, methods=["POST"]),
    Route("/bestill", steps.back_to_start, methods=["GET"]),
    Route("/kode/{challenge}", confirmation.code_page, methods=["GET"]),
    Route("/kode/{challenge}", confirmation.post_code, methods=["POST"]),
    Route("/bekreftet/{challenge}", confirmation.confirmed_page, methods=["GET"]),
    Route("/mine-timer", appointments.appointments_page, methods=["GET"]),
    Route("/mine-timer/logg-inn", appointments.post_login, methods=["POST"]),
    Route("/mine-timer/logg-ut", appointments.post_logout, methods=["POST"]),
    Route("/mine-timer/{booking}/flytt", appointments.move_page, methods=["GET"]),
    Route("/mine-timer/{booking}/flytt", appointments.post_move, methods=["POST"]),
    Route("/mine-timer/{booking}/avbestill", appointments.post_cancel, methods=["POST"]),
    Route("/static/{name}", assets.static_file, methods=["GET"]),
    Route("/tema.css", assets.theme, methods=["GET"]),
    Route("/analyse.js", assets.analytics, methods=["GET"]),
]
