import pytest

from bookings.settings import ConfigError, load, read_secret

URL = "postgresql+asyncpg://booker:s3cret-pw@db.internal:5432/bookings"


@pytest.fixture
def secret_file(tmp_path):
    def write(text):
        path = tmp_path / "database_url"
        path.write_text(text)
        return str(path)

    return write


def test_the_url_comes_from_the_file_the_variable_names(secret_file):
    settings = load({"DATABASE_URL_FILE": secret_file(URL + "\n")})
    assert settings.database_url == URL
    assert settings.pool_size == 5 and settings.echo_sql is False


def test_pool_size_and_echo_come_from_plain_variables(secret_file):
    settings = load({"DATABASE_URL_FILE": secret_file(URL), "DB_POOL_SIZE": "12", "DB_ECHO": "1"})
    assert (settings.pool_size, settings.echo_sql) == (12, True)


def test_a_missing_variable_says_how_to_configure_it():
    with pytest.raises(ConfigError, match="DATABASE_URL_FILE is not set"):
        load({})


def test_an_unreadable_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match="cannot be read"):
        read_secret({"DATABASE_URL_FILE": str(tmp_path / "absent")}, "DATABASE_URL_FILE")


def test_an_empty_file_is_refused(secret_file):
    with pytest.raises(ConfigError, match="empty"):
        load({"DATABASE_URL_FILE": secret_file("\n")})


@pytest.mark.parametrize(
    "url,message",
    [("postgresql://booker:s3cret-pw@db/bookings", "postgresql\\+asyncpg://"),
     ("postgresql+psycopg://booker:s3cret-pw@db/bookings", "found postgresql\\+psycopg"),
     ("postgresql+asyncpg://booker:s3cret-pw@db.internal:5432/", "name a host and a database")],
)
def test_wrong_urls_are_refused_without_leaking_the_password(secret_file, url, message):
    with pytest.raises(ConfigError, match=message) as error:
        load({"DATABASE_URL_FILE": secret_file(url)})
    assert "s3cret-pw" not in str(error.value)
