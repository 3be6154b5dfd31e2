"""The web dashboard: Jinja2 pages with Plotly figures, served by the API app
(:func:`idic.api.create_app` includes :data:`idic.web.routes.router`).

Overview, Customers (search, then one customer's 360 page), Value, Journeys; a login form
takes an API key and sets a signed session cookie. Plotly's JavaScript is served from the
installed ``plotly`` package (no CDN). Pages render from the tables the stages wrote.
"""
