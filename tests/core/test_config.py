from pathlib import Path

import pytest

from gemba.core.config import load_settings
from gemba.core.errors import ConfigError


def test_defaults_are_embedded_and_generate_a_secret(tmp_path: Path):
    env = {"GEMBA_VAR_DIR": str(tmp_path / "var")}
    s = load_settings(env=env, toml_path=tmp_path / "none.toml")
    assert s.database_url == f"sqlite:///{tmp_path / 'var' / 'gemba.db'}"
    assert s.embedded_broker
    assert (tmp_path / "var" / "secret_key").read_text() == s.secret_key
    assert load_settings(env=env, toml_path=tmp_path / "none.toml").secret_key == s.secret_key


def test_toml_is_read_and_environment_wins(tmp_path: Path):
    toml = tmp_path / "gemba.toml"
    toml.write_text('[gemba]\ndatabase_url = "postgresql://u@db/g"\n'
                    'mqtt_url = "mqtt://broker:1883"\nsecret_key = "0123456789abcdef0123"\n')
    s = load_settings(env={}, toml_path=toml)
    assert s.database_url == "postgresql+psycopg://u@db/g"
    assert s.mqtt_url == "mqtt://broker:1883"
    s2 = load_settings(env={"GEMBA_MQTT_URL": "embedded"}, toml_path=toml)
    assert s2.embedded_broker


@pytest.mark.parametrize(("env", "message"), [
    ({"GEMBA_DATABASE_URL": "mysql://x/y"}, "GEMBA_DATABASE_URL: unsupported scheme"),
    ({"GEMBA_MQTT_URL": "http://broker"}, "GEMBA_MQTT_URL: expected"),
    ({"GEMBA_SECRET_KEY": "short"}, "GEMBA_SECRET_KEY: must be at least 16"),
])
def test_invalid_config_fails_with_one_clear_line(tmp_path: Path, env, message):
    env = {"GEMBA_VAR_DIR": str(tmp_path), **env}
    with pytest.raises(ConfigError) as exc:
        load_settings(env=env, toml_path=tmp_path / "none.toml")
    assert str(exc.value).startswith(message) and "\n" not in str(exc.value)


def test_unknown_toml_key_is_rejected(tmp_path: Path):
    toml = tmp_path / "gemba.toml"
    toml.write_text('[gemba]\ndatabse_url = "sqlite:///x"\n')
    with pytest.raises(ConfigError, match="unknown key"):
        load_settings(env={}, toml_path=toml)
