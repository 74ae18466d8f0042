"""The generated nginx configuration: its media types are service/media.py's, nginx accepts it
with and without an upstream, and an upstream must be the root of an http service."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from service import media
from service.export.nginx import Options, nginx_conf, server_conf, types_block, upstream_address
from tests.export.nginx import NGINX


def test_every_format_has_its_media_type_and_charset():
    types, charset = types_block()
    declared = dict(re.findall(r"^\s+(\S+/\S+) ([^;]+);$", types, re.MULTILINE))
    for fmt in media.RDF_FORMATS:
        assert fmt.suffix in declared[fmt.media_type].split()
        assert (fmt.media_type in charset) == ("charset" in media.content_type(fmt.media_type))
    assert declared[media.HTML] == "html" and "gz" in declared[media.GZIP].split()
    for suffix, media_type in media.ASSET_TYPES.items():
        assert suffix in declared[media_type].split()


@pytest.mark.parametrize("upstream", ["", "http://127.0.0.1:8080/"])
def test_nginx_accepts_the_configuration(tmp_path: Path, upstream: str):
    if not NGINX.exists():
        pytest.skip(f"{NGINX} is missing (apt-get install nginx)")
    for folder in ("site", "logs", "tmp"):
        (tmp_path / folder).mkdir()
    (tmp_path / "server.conf").write_text(server_conf(Options(site=tmp_path / "site", port=18089,
                                                              upstream=upstream)))
    (tmp_path / "nginx.conf").write_text(nginx_conf())
    done = subprocess.run([str(NGINX), "-t", "-p", str(tmp_path), "-c", "nginx.conf", "-e",
                           "logs/error.log"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "[warn]" not in done.stderr and "[emerg]" not in done.stderr
    assert ("proxy_pass" in (tmp_path / "server.conf").read_text()) == bool(upstream)


@pytest.mark.parametrize("url", ["https://127.0.0.1:8080/", "http://127.0.0.1:8080/sub/",
                                 "http://127.0.0.1:8080/?x=1", "http:///"])
def test_an_upstream_is_the_root_of_an_http_service(url: str):
    with pytest.raises(ValueError, match="--upstream"):
        upstream_address(url)
    assert upstream_address("http://10.0.0.5:8347/") == "10.0.0.5:8347"
    assert upstream_address("http://localhost") == "localhost:80"


@pytest.mark.parametrize("host,listen", [("0.0.0.0", "0.0.0.0:8081"), ("::1", "[::1]:8081"),
                                         ("localhost", "localhost:8081")])
def test_nginx_listens_where_it_is_told(host: str, listen: str):
    conf = server_conf(Options(site=Path("/srv/site"), host=host, port=8081))
    assert re.findall(r"^\s+listen (\S+);$", conf, re.MULTILINE) == [listen]
