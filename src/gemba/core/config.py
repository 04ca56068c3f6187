"""Configuration from environment variables, with an optional ``gemba.toml``.

Precedence: environment > gemba.toml > defaults. The embedded defaults (SQLite under ./var,
in-process broker) mean a bare machine runs Gemba with no configuration at all.
"""

from __future__ import annotations

import os
import secrets
import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from gemba.core.errors import ConfigError

KNOWN_KEYS = {"database_url", "mqtt_url", "secret_key", "var_dir"}


@dataclass(frozen=True)
class Settings:
    database_url: str
    mqtt_url: str
    secret_key: str
    var_dir: Path

    @property
    def embedded_broker(self) -> bool:
        return self.mqtt_url == "embedded"


def _read_toml(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from exc
    section = data.get("gemba", data)
    unknown = set(section) - KNOWN_KEYS
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) {', '.join(sorted(unknown))}")
    return {k: str(v) for k, v in section.items()}


def _check_database_url(url: str) -> str:
    scheme = urlparse(url).scheme
    if scheme in {"postgresql", "postgres"}:
        return "postgresql+psycopg" + url[len(scheme):]
    if scheme in {"sqlite", "postgresql+psycopg"}:
        return url
    raise ConfigError(
        f"GEMBA_DATABASE_URL: unsupported scheme {scheme!r} (use sqlite:/// or postgresql://)"
    )


def _check_mqtt_url(url: str) -> str:
    if url == "embedded":
        return url
    parsed = urlparse(url)
    if parsed.scheme not in {"mqtt", "mqtts"} or not parsed.hostname:
        raise ConfigError(
            f"GEMBA_MQTT_URL: expected 'embedded' or mqtt://host[:port], got {url!r}"
        )
    return url


def _secret_key(var_dir: Path) -> str:
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key, encoding="utf-8")
    path.chmod(0o600)
    return key


def load_settings(env: dict[str, str] | None = None, toml_path: Path | None = None) -> Settings:
    """Read and validate settings; raises ConfigError with one clear line when invalid."""
    env = dict(os.environ) if env is None else env
    file_values = _read_toml(toml_path or Path(env.get("GEMBA_CONFIG", "gemba.toml")))

    def pick(key: str, default: str | None = None) -> str | None:
        return env.get(f"GEMBA_{key.upper()}") or file_values.get(key) or default

    var_dir = Path(pick("var_dir", "var") or "var").resolve()
    database_url = pick("database_url") or f"sqlite:///{var_dir / 'gemba.db'}"
    secret = pick("secret_key") or _secret_key(var_dir)
    if len(secret) < 16:
        raise ConfigError("GEMBA_SECRET_KEY: must be at least 16 characters")
    return Settings(
        database_url=_check_database_url(database_url),
        mqtt_url=_check_mqtt_url(pick("mqtt_url", "embedded") or "embedded"),
        secret_key=secret,
        var_dir=var_dir,
    )
