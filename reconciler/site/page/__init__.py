"""The patient's page: the booking site as patients see it, server-rendered HTML (Jinja2)
from the site's own state, through the same functions its public API uses.

    routes.py         the page's paths, at `/` for `<subdomain>.<domain>` and under
                      `/sites/<subdomain>/` on a bare address
    site_view.py      the site as the page shows it (texts, theme, logo, analytics), and the
                      wrapper every page handler runs in (maintenance, friendly errors)
    choices.py        the patient's choices so far (in the query) and which step is next
    steps.py          the booking flow: clinic, treatment, provider, time, details
    week.py           free times as a week, from the next day with free time
    details.py        the details form: its fields from the registration settings, and their
                      errors in Norwegian
    confirmation.py   the one-time code step and the confirmation
    appointments.py   "Mine timer": SMS login, the patient's bookings, move and cancel
    forms.py          reading a POSTed form (anything else is a friendly 400)
    assets.py         the stylesheet, the theme colour and the analytics script, all served
                      by the site itself
    render.py         templates and the headers every page carries (a strict CSP)
    texts.py          the page's Norwegian words, and the site's texts with their defaults
    templates/, static/

It works without JavaScript: every step is a link or a form. No national id ever goes into a
URL: forms that carry one are POSTed, and redirects carry only opaque challenge ids.
"""
