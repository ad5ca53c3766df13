"""Reading Traefik's router list (the shape its /api/http/routers answers with)."""

from kindlab.clients.traefik import middlewares_for_host

ROUTERS = [
    {"rule": "PathPrefix(`/api`)", "middlewares": ["internal"]},
    {"rule": 'Host("app.localtest.me") && PathPrefix("/")', "middlewares": ["kindlab-retry@file"]},
    {"rule": "Host(`app.localtest.me`) && Path(`/x`)", "middlewares": ["other@file"]},
    {"rule": 'Host("app.localtest.me.evil") && PathPrefix("/")', "middlewares": ["nope"]},
    {"rule": 'Host("app.localtest.me")'},
]


def test_middlewares_of_every_router_for_the_host_whatever_the_quotes():
    found = middlewares_for_host(ROUTERS, "app.localtest.me")
    assert found == {"kindlab-retry@file", "other@file"}


def test_no_router_for_the_host_means_no_middleware():
    assert middlewares_for_host(ROUTERS, "elsewhere.test") == set()
