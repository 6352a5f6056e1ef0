import pytest
from psycopg.conninfo import conninfo_to_dict

from loyalty.settings import ConfigError, configured, conninfo, connection_params

ENV = {"DB_HOST": "db.internal", "DB_PORT": "6432", "DB_USER": "loyalty", "DB_NAME": "loyalty"}


@pytest.fixture
def password_file(tmp_path):
    path = tmp_path / "db_password"
    path.write_text("pa ss'word\n")
    return str(path)


def test_discrete_variables_become_a_libpq_connection_string(password_file):
    info = conninfo_to_dict(conninfo({**ENV, "DB_PASSWORD_FILE": password_file}))
    assert info == {"host": "db.internal", "port": "6432", "user": "loyalty", "dbname": "loyalty",
                    "password": "pa ss'word"}


def test_the_password_file_keeps_inner_spaces_and_drops_the_newline(password_file):
    assert connection_params({"DB_NAME": "x", "DB_PASSWORD_FILE": password_file})["password"] == "pa ss'word"


def test_with_no_db_variables_libpq_reads_its_own_environment():
    assert conninfo({"PGHOST": "elsewhere"}) == ""
    assert configured({"PGDATABASE": "loyalty"})


def test_db_name_is_required_once_any_db_variable_is_set():
    with pytest.raises(ConfigError, match="DB_NAME is not set"):
        connection_params({"DB_HOST": "db.internal"})


def test_a_non_numeric_port_is_refused():
    with pytest.raises(ConfigError, match="DB_PORT must be a number"):
        connection_params({**ENV, "DB_PORT": "fivefourthreetwo"})


def test_an_unreadable_password_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match="cannot be read"):
        connection_params({**ENV, "DB_PASSWORD_FILE": str(tmp_path / "missing")})


def test_nothing_configured_is_reported():
    assert not configured({})
