"""Origin, Host and config rules without sockets or Anki."""

from __future__ import annotations

from ankiconnect_ws.config import Config, load_config
from ankiconnect_ws.server.security import decide_origin, host_allowed


def test_origin_decision_follows_upstream() -> None:
    config = Config()
    assert decide_origin(None, config).allowed
    assert decide_origin(None, config).cors_origin == "http://localhost"
    for origin in ("http://localhost", "http://127.0.0.1", "https://127.0.0.1", "http://127.0.0.1:9000",
                   "chrome-extension://id", "moz-extension://id", "safari-web-extension://id"):
        decision = decide_origin(origin, config)
        assert decision.allowed and decision.cors_origin == origin, origin
    for origin in ("https://127.0.0.1:9000", "http://localhost:3000", "https://evil.example", "null"):
        decision = decide_origin(origin, config)
        assert not decision.allowed and decision.cors_origin == "http://localhost", origin


def test_origin_list_star_and_deprecated_single_origin() -> None:
    assert decide_origin("https://x.example", Config(webCorsOriginList=("*",))).cors_origin == "*"
    only = Config(webCorsOriginList=("app://obsidian.md",))
    assert decide_origin("app://obsidian.md", only).allowed
    assert not decide_origin("chrome-extension://id", only).allowed  # implicit ones need http://localhost
    single = Config(webCorsOriginList=(), webCorsOrigin="https://a.example")
    assert decide_origin("https://a.example", single).allowed


def test_host_check_on_loopback_only() -> None:
    config = Config()
    for host in ("localhost", "localhost:8765", "127.0.0.1:8765", "[::1]:8765", "127.0.0.2", None):
        assert host_allowed(host, config), host
    for host in ("evil.example", "evil.example:8765", "192.168.1.2:8765", "localhost.evil.example"):
        assert not host_allowed(host, config), host
    assert host_allowed("anki.local:8765", Config(extraHostNames=("anki.local",)))
    assert host_allowed("evil.example", Config(webBindAddress="0.0.0.0"))


def test_host_check_takes_ipv6_loopback_as_loopback() -> None:
    """We listen on ::1 too (issue 18): its Host forms are as local as 127.0.0.1's, on
    either listener, and the same foreign names are refused."""
    for bind in ("127.0.0.1", "::1"):
        config = Config(webBindAddress=bind)
        for host in ("[::1]:8765", "[::1]", "[0:0:0:0:0:0:0:1]:8765", "[::1]:0"):
            assert host_allowed(host, config), (bind, host)
        for host in ("[::2]:8765", "[fe80::1]:8765", "[::1]evil.example", "[::1].evil.example:8765",
                     "[::1]:evil", "[::1", "::1]"):
            assert not host_allowed(host, config), (bind, host)
    assert host_allowed("[2001:db8::1]:8765", Config(webBindAddress="::"))  # beyond loopback: any Host


def test_env_overrides_and_invalid_values() -> None:
    config, problems = load_config(
        {"webBindPort": 8765, "webCorsOriginList": "nope", "maxBodyBytes": -1},
        {"ANKICONNECT_BIND_PORT": "9999", "ANKICONNECT_API_KEY": "k", "ANKICONNECT_CORS_ORIGIN": "https://o"},
    )
    assert config.webBindPort == 9999 and config.apiKey == "k"
    assert "https://o" in config.cors_origins
    assert config.webCorsOriginList == ("http://localhost",)  # invalid value -> safe default
    assert config.maxBodyBytes == Config().maxBodyBytes
    assert len(problems) == 2 and any("webCorsOriginList" in p for p in problems)
